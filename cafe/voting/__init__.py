"""Dot-voting: in a template's vote phase each phone spreads its dots over the themes (or a
section's core ideas); the board counts the phones that voted and shows the ranking once
the facilitator reveals it."""
