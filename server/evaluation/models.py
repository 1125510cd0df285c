"""Tables of the evaluation domain."""
