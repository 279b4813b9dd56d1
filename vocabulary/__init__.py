"""The words every layer shares: statistics periods, NRM metrics, months and the London clock.

Imports nothing of ours, so scrapers, store, feeds and the pipeline can all use it (see
docs/ARCHITECTURE.md). One definition of each idea lives here.
"""
