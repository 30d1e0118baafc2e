"""The projected board: a read-only live view behind a secret link."""
