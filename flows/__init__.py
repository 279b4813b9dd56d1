"""Prefect flows, settings and the `msbrief` command: the only layer that wires the others together."""
