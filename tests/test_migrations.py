"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, text

from cafe import create_app
from cafe.database import alembic_config, upgrade_database
from cafe.extensions import db
from tests.conftest import app_config, drop_database, empty_database


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a database nothing has touched yet (a SQLite file, or a new database on
    the ``CAFE_TEST_DATABASE_URL`` server)."""
    database = empty_database(tmp_path / "empty.db")
    app = create_app(app_config(database))
    yield app
    with app.app_context():
        db.engine.dispose()
    drop_database(database)


#: One Cafe Social as the oldest schema stores it: its columns and their values.
EVENT = (
    "id, kind, title, topic, date, start_time, end_time, place, language, role_tags, footer,"
    " openers_sentence, method_sentence, join_code, board_token, phase, timer_duration,"
    " timer_remaining, created_at"
)
EVENT_ROW = (
    "1, 'cafe-social', 'T', 'T', '2017-10-31', '14:00:00', '16:00:00', '', 'fi', '[]', '', '',"
    " '', 'ABCDEF', 'board', 'opening', 0, 0, '2017-10-31 00:00:00'"
)


def as_json(value: object) -> object:
    """A JSON column read with plain SQL: text from SQLite, already decoded by psycopg."""
    return json.loads(value) if isinstance(value, str) else value


def migrate_to(revision: str) -> Config:
    """Upgrade the app's database (in an app context) to ``revision`` only; the Alembic
    config, to go on from there."""
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return config


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
        migrate_to("0005")
        with db.engine.begin() as connection:
            connection.execute(text(f"INSERT INTO cafe_event ({EVENT}) VALUES ({EVENT_ROW})"))
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
            if connection.dialect.name == "postgresql":
                # Rows given their ids leave PostgreSQL's sequences where they were; those
                # of a real history would have passed theme 2 when it was made.
                connection.execute(text("SELECT setval(pg_get_serial_sequence('theme', 'id'), 2)"))
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
            if connection.dialect.name == "sqlite":  # switched off for the batch rebuilds
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert schema_differences(empty_app) == []


def test_0011_moves_every_minutes_row_into_the_document_tables_and_back(
    empty_app: Flask,
) -> None:
    """The memo's tables become ``document`` and ``document_revision`` with every row and
    id; new revisions continue after the copied ids; a downgrade brings them back."""
    with empty_app.app_context():
        config = migrate_to("0010")
        with db.engine.begin() as connection:
            # Pre-moderation came with 0006.
            connection.execute(
                text(f"INSERT INTO cafe_event ({EVENT}, premoderation) VALUES ({EVENT_ROW}, false)")
            )
            connection.execute(
                text(
                    "INSERT INTO minutes (event_id, revision, published_revision, published_at,"
                    " review_token, logo, logo_type, not_personal) VALUES (1, 2, 2,"
                    " '2017-11-01 10:00:00', 'token-of-the-review-link', :logo,"
                    " 'image/png', '[\"Kela\"]')"
                ),
                {"logo": b"\x89PNG"},
            )
            for number, body in ((1, "Luonnos"), (2, "Julkaistu")):
                connection.execute(
                    text(
                        "INSERT INTO minutes_revision (id, event_id, number, content,"
                        " correction, created_at) VALUES (:id, 1, :number, :content, NULL,"
                        " '2017-11-01 09:00:00')"
                    ),
                    {"id": number + 40, "number": number, "content": f'{{"intro": "{body}"}}'},
                )
        upgrade_database()
        with db.engine.begin() as connection:
            tables = set(inspect(connection).get_table_names())
            assert {"document", "document_revision"} <= tables
            assert not {"minutes", "minutes_revision"} & tables
            head = connection.execute(
                text(
                    "SELECT revision, published_revision, review_token, logo, logo_type,"
                    " not_personal FROM document WHERE event_id = 1"
                )
            ).one()
            assert (*head[:3], bytes(head[3]), head[4], as_json(head[5])) == (
                2,
                2,
                "token-of-the-review-link",
                b"\x89PNG",
                "image/png",
                ["Kela"],
            )
            rows = connection.execute(
                text("SELECT id, number, content FROM document_revision ORDER BY number")
            ).all()
            assert [(row[0], row[1], as_json(row[2])) for row in rows] == [
                (41, 1, {"intro": "Luonnos"}),
                (42, 2, {"intro": "Julkaistu"}),
            ]
            connection.execute(
                text(
                    "INSERT INTO document_revision (event_id, number, content, created_at)"
                    " VALUES (1, 3, '{}', '2017-11-02 09:00:00')"
                )
            )
            assert connection.execute(text("SELECT max(id) FROM document_revision")).scalar() == 43
        assert schema_differences(empty_app) == []
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0010")
        with db.engine.begin() as connection:
            tables = set(inspect(connection).get_table_names())
            assert {"minutes", "minutes_revision"} <= tables
            assert not {"document", "document_revision"} & tables
            numbers = connection.execute(
                text("SELECT number FROM minutes_revision ORDER BY number")
            ).scalars()
            assert list(numbers) == [1, 2, 3]
            assert connection.execute(text("SELECT review_token FROM minutes")).scalar() == (
                "token-of-the-review-link"
            )
