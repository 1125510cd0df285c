"""Staff accounts, roles and scopes, residents, and how each of them signs in."""
