"""The range of the database's integer keys, which every id from outside is checked against."""

from __future__ import annotations

#: Largest id a key column holds: PostgreSQL's INTEGER has 32 bits (SQLite's 64). A larger
#: one is no row's; asked of PostgreSQL it would be an error (500), not "not found".
MAX_ID = 2**31 - 1
