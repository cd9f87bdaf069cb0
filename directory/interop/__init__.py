"""Giving the directory away: a Meeting Guide feed, an HSDS 3.0 API and data package, an embeddable finder."""
