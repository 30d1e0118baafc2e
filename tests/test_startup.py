"""``cafe run`` listens again soon after a restart: a database already at the newest schema
is not handed to Alembic (``cafe.database.upgrade_database``); any other still is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event as sa_event
from sqlalchemy import inspect

from cafe import create_app
from cafe.database import alembic_config, head_revision, upgrade_database
from cafe.extensions import db
from tests.conftest import ROOT, app_config


def alembic_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_the_head_is_read_from_the_migration_files_as_alembic_reads_it() -> None:
    assert head_revision() == alembic_head()


def test_a_database_at_head_costs_one_query(tmp_path: Path) -> None:
    app = create_app(app_config(tmp_path / "cafe.db"))
    with app.app_context():
        upgrade_database()
        seen: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            upgrade_database()
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
    assert seen == ["SELECT version_num FROM alembic_version"]


def test_an_older_or_empty_database_is_still_upgraded(tmp_path: Path) -> None:
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(alembic_head())
    assert previous is not None and isinstance(previous.down_revision, str)
    for name, start in (("old.db", previous.down_revision), ("empty.db", None)):
        app = create_app(app_config(tmp_path / name))
        with app.app_context():
            if start is not None:
                config = alembic_config()
                with db.engine.begin() as connection:
                    config.attributes["connection"] = connection
                    command.upgrade(config, start)
            upgrade_database()
            with db.engine.connect() as connection:
                assert MigrationContext.configure(connection).get_current_revision() == (
                    alembic_head()
                )
            assert "post" in inspect(db.engine).get_table_names()
            db.engine.dispose()


def imported_after(code: str) -> set[str]:
    """Top-level modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(out.stdout.split())


def test_the_command_line_imports_the_web_stack_only_for_commands_that_use_it() -> None:
    # `cafe themes suggest` and `cafe screen` start in a fraction of a second (issue 14).
    loaded = imported_after("import cafe.cli")
    assert not loaded & {"flask", "sqlalchemy", "flask_socketio", "docx", "weasyprint"}


def test_the_app_starts_without_the_word_and_pdf_libraries(tmp_path: Path) -> None:
    # Only a Word or PDF export pays for importing python-docx or WeasyPrint.
    loaded = imported_after(
        "from cafe import create_app\n"
        f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path / 'x.db'}'}})"
    )
    assert "flask" in loaded
    assert not loaded & {"docx", "weasyprint"}


def test_the_instance_folder_named_by_the_environment_holds_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # README: instance/config.py overrides the defaults, wherever CAFE_INSTANCE_PATH puts it.
    (tmp_path / "config.py").write_text("CAFE_POST_MAX_CHARS = 123\n", "utf-8")
    monkeypatch.setenv("CAFE_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.instance_path == str(tmp_path)
    assert app.config["CAFE_POST_MAX_CHARS"] == 123
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'cafe.db'}"
