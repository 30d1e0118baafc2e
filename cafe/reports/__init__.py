"""Service-pilot reports: the curated report of a co-development workshop, exported."""
