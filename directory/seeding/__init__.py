"""Seed data: the topic and audience taxonomies every site needs, and a fictional demo directory.

The data lives in `seeds/` beside the package; this module only loads it. Every load is an upsert by
slug, so running it again changes nothing and says so. Demo accounts and listings are refused on a
production site.
"""
