"""Audit trail: an append-only log of staff logins, actions, exports and settings changes."""
