"""Facilitator and organizer accounts (participants never have one)."""
