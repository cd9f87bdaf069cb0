"""Alerts: "tell me when a group starts near me", confirmed by mail, matched when a listing goes public."""
