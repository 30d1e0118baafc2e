"""Minutes: the event's memo in the Cafe Social house format, exported for publishing."""
