"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect

from cafe import create_app
from cafe.database import alembic_config, upgrade_database
from cafe.extensions import db
from tests.conftest import app_config


@pytest.fixture
def empty_app(tmp_path: Path) -> Flask:
    """An app on a database file nothing has touched yet."""
    return create_app(app_config(tmp_path / "empty.db"))


def schema_differences(app: Flask) -> list[object]:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences: list[object] = compare_metadata(context, db.metadata)
        return differences


def current_revision(app: Flask) -> str | None:
    with app.app_context(), db.engine.connect() as connection:
        revision: str | None = MigrationContext.configure(connection).get_current_revision()
        return revision


def test_upgraded_schema_matches_the_models(empty_app: Flask) -> None:
    with empty_app.app_context():
        upgrade_database()
    assert schema_differences(empty_app) == []


def test_upgrade_reaches_the_single_head_and_is_idempotent(empty_app: Flask) -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1
    with empty_app.app_context():
        upgrade_database()
        upgrade_database()
    assert current_revision(empty_app) == heads[0]


def test_downgrade_to_base_and_upgrade_again_round_trips(empty_app: Flask) -> None:
    with empty_app.app_context():
        upgrade_database()
        config = alembic_config()
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade_database()
    assert schema_differences(empty_app) == []


def test_the_test_apps_database_is_at_head(app: Flask) -> None:
    """The ``app`` fixture copies a migrated template; it must be the real thing."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert current_revision(app) == heads[0]
    assert schema_differences(app) == []
