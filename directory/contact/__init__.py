"""The contact relay: a visitor writes to a listing without seeing its e-mail address."""
