"""The owner's side of listings: a dashboard, one form to create and edit, and the actions."""
