"""The private servers of tests/services.py: the database tests exist, and a test database
on PostgreSQL is emptied between tests as a fresh copy would be."""

from __future__ import annotations

from sqlalchemy import text

from cafe import create_app
from cafe.database import upgrade_database
from cafe.domain.plan import plan_from_mapping
from cafe.extensions import db
from cafe.facilitator.operations import create_event
from tests.conftest import ROOT, app_config
from tests.services import DATABASE_TESTS, PostgresServer, ServerDatabases


def test_every_database_test_module_exists() -> None:
    """A renamed module would silently drop out of the PostgreSQL run."""
    assert sorted(n for n in DATABASE_TESTS if not (ROOT / "tests" / f"{n}.py").exists()) == []


def rows(tables: tuple[str, ...]) -> list[int]:
    """How many rows each of ``tables`` holds (in an app context)."""
    with db.engine.connect() as connection:
        return [
            connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            for table in tables
        ]


def test_a_wiped_database_has_no_rows_and_gives_out_ids_from_1_again(
    postgres_server: PostgresServer,
) -> None:
    databases = ServerDatabases(postgres_server.url("postgres"))
    url = databases.create()
    try:
        app = create_app(app_config(url))
        with app.app_context():
            upgrade_database()
            plan = plan_from_mapping({"topic": "T", "date": "2017-10-31", "tables": 3})
            assert create_event(plan).id == 1
            assert create_event(plan).id == 2
            assert rows(("cafe_event", "event_table")) == [2, 6]
            db.session.remove()
            db.engine.dispose()
            databases.wipe(url)
            assert rows(("cafe_event", "event_table", "alembic_version")) == [0, 0, 1]
            first = create_event(plan)
            assert (first.id, [t.id for t in first.tables]) == (1, [1, 2, 3])
            db.session.remove()
            db.engine.dispose()
    finally:
        databases.drop(url)
        databases.dispose()
