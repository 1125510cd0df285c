"""Tables of the meetings domain."""
