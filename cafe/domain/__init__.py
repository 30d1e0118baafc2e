"""The pure core: plain Python with no Flask and no SQLAlchemy, tested without an app."""
