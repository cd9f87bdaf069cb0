"""Listings: mentors and groups, their meetings, and the search over them."""
