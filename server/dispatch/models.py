"""Tables of the dispatch domain."""
