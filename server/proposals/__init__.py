"""Proposals (提案) from consultation, handled through the dispatch workflow."""
