"""Residents' personal information (PIPL): export, erasure, retention."""
