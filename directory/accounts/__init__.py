"""Accounts: registration, sign-in, passwords and the owner's own data."""
