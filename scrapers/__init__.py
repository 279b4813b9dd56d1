"""Fetch and parse the sources. Imports nothing else of msbrief; never touches the database."""
