"""The think tank: the member register, the expert pool, suggestions and invitations."""
