"""Gathering: the tables' core ideas rolled up into themes and one shared, live summary."""
