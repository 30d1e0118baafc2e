"""Schema migrations with Alembic, run from the app's own engine."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from cafe import PACKAGE_DIR
from cafe.extensions import db


def alembic_config() -> Config:
    """Alembic configuration pointing at ``cafe/migrations``; no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    return config


def upgrade_database() -> None:
    """Bring the configured database to the newest schema (creates it when empty)."""
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
