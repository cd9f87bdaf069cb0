"""A person's data across every feature: download it all, or delete the account and what hangs on it.

It sits above the features and calls each one's services; no feature calls it.
"""
