"""The public, read-only JSON API (/api/v1): the search, listings and taxonomies, described by OpenAPI."""
