"""Consultation by QR code (码上协商): meetings, check-in, polls and live voting."""
