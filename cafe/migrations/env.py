"""Alembic environment: migrations run on the connection cafe.database hands over."""

from __future__ import annotations

from alembic import context

import cafe.models  # noqa: F401  (registers every table on the metadata)
from cafe.extensions import db

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `cafe db upgrade`, which supplies a connection")

# Batch mode lets ALTERs work on SQLite, which cannot alter most things in place.
context.configure(connection=connection, target_metadata=db.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
