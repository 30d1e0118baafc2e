"""Keeping personal data off the projector: the screen on posts, the review queue, and
pre-moderation."""
