"""Anonymous feedback from the phones, summarised per role for the facilitator."""
