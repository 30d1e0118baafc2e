"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, text

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


def test_upgrading_a_database_with_data_keeps_every_row_and_never_reuses_theme_ids(
    empty_app: Flask,
) -> None:
    """Batch mode rebuilds tables on SQLite; foreign-key actions must not fire meanwhile,
    and a theme id that kept revisions name is not given out again."""
    with empty_app.app_context():
        config = alembic_config()
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0005")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO cafe_event (id, kind, title, topic, date, start_time, end_time,"
                    " place, language, role_tags, footer, openers_sentence, method_sentence,"
                    " join_code, board_token, phase, timer_duration, timer_remaining, created_at)"
                    " VALUES (1, 'cafe-social', 'T', 'T', '2017-10-31', '14:00:00', '16:00:00',"
                    " '', 'fi', '[]', '', '', '', 'ABCDEF', 'board', 'opening', 0, 0,"
                    " '2017-10-31 00:00:00')"
                )
            )
            connection.execute(
                text("INSERT INTO event_table (id, event_id, position, name) VALUES (1, 1, 1, 'P')")
            )
            connection.execute(
                text(
                    "INSERT INTO theme (id, event_id, position, title, body, revision, created_at)"
                    " VALUES (1, 1, 0, 'A', '', 1, '2017-10-31 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO gather_item (id, event_id, theme_id, position, created_at)"
                    " VALUES (1, 1, 1, 0, '2017-10-31 00:00:00')"
                )
            )
            # Theme 2 was deleted; its revision stays in the history.
            connection.execute(
                text(
                    "INSERT INTO summary_revision (event_id, part, number, title, body,"
                    " created_at) VALUES (1, 'theme:2', 1, 'B', '', '2017-10-31 00:00:00')"
                )
            )
        upgrade_database()
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM event_table")).scalar() == 1
            assert connection.execute(text("SELECT theme_id FROM gather_item")).scalar() == 1
            connection.execute(
                text(
                    "INSERT INTO theme (event_id, position, title, body, revision, created_at)"
                    " VALUES (1, 1, 'C', '', 1, '2017-10-31 00:00:00')"
                )
            )
            assert connection.execute(text("SELECT max(id) FROM theme")).scalar() == 3
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert schema_differences(empty_app) == []
