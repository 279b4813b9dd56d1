"""Rendering: feeds, the index page, the email briefing. Takes read models, returns bytes.

feeds/ imports only scrapers.records and store.read (see tests/test_import_rules.py).
"""
