"""Participants' phones: joining with a code or QR, posting at a table, the table host role."""
