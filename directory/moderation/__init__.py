"""Moderation: the review queue, decisions with reasons, reports and the audit log."""
