"""Tables of the supervision domain."""
