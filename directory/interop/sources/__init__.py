"""Importing listings from other directories (Meeting Guide feeds, HSDS) and keeping them in sync."""
