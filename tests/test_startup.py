"""``cafe run`` listens again soon after a restart: a database already at the newest schema
is not handed to Alembic (``cafe.database.upgrade_database``); any other still is. The
commands people wait for (``cafe export``, ``cafe themes suggest``) import only what they
use (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
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


def imported_after(code: str, env: Mapping[str, str] | None = None) -> set[str]:
    """Top-level modules a fresh interpreter holds after running ``code`` (its last line of
    output lists them)."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    )
    return set(out.stdout.splitlines()[-1].split())


def test_the_command_line_imports_the_web_stack_only_for_commands_that_use_it() -> None:
    # `cafe themes suggest` and `cafe screen` start in a fraction of a second (issue 14).
    loaded = imported_after("import cafe.cli")
    assert not loaded & {"flask", "sqlalchemy", "flask_socketio", "docx", "weasyprint"}


def test_the_app_starts_without_gevent_nor_the_word_and_pdf_libraries(tmp_path: Path) -> None:
    # Only a Word or PDF export pays for importing python-docx or WeasyPrint; only
    # `cafe run`, which patches the standard library with it, for gevent.
    loaded = imported_after(
        "from cafe import create_app\n"
        f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path / 'x.db'}'}})"
    )
    assert {"flask", "flask_socketio"} <= loaded
    assert not loaded & {"docx", "weasyprint", "gevent"}


#: What serving needs and an export never does: Socket.IO and its transports, gevent, Redis.
SOCKET_LAYER = {
    "flask_socketio",
    "socketio",
    "engineio",
    "simple_websocket",
    "wsproto",
    "gevent",
    "redis",
}


@pytest.fixture(scope="module")
def exporting(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a command run on an instance holding the sample event (number 1)."""
    env = dict(os.environ)
    env.pop("CAFE_DATABASE_URL", None)
    env["CAFE_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    plan = ROOT / "sessions" / "cafe-social-2017-10-31.toml"
    subprocess.run(
        [sys.executable, "-m", "cafe", "event", "create", str(plan)],
        env=env,
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    return env


@pytest.mark.parametrize(
    ("fmt", "library"),
    [("md", None), ("txt", None), ("html", None), ("docx", "docx"), ("pdf", "weasyprint")],
)
def test_an_export_imports_its_own_format_library_and_no_socket_layer(
    exporting: dict[str, str], tmp_path: Path, fmt: str, library: str | None
) -> None:
    # `cafe export` only reads and writes a file, and is waited for (issue 14).
    output = tmp_path / f"memo.{fmt}"
    loaded = imported_after(
        "from cafe.cli import cli\n"
        f"cli(['export', '1', '--format', {fmt!r}, '-o', {str(output)!r}], standalone_mode=False)",
        env=exporting,
    )
    assert output.stat().st_size > 0
    assert {"flask", "sqlalchemy", "flask_babel"} <= loaded
    assert not loaded & SOCKET_LAYER
    assert not loaded & ({"docx", "weasyprint"} - {library})
    if fmt == "md":
        # Markdown is written, never rendered: no Markdown parser, no HTML sanitiser.
        assert not loaded & {"markdown", "nh3"}
    if library is None:
        # Pillow draws Word's charts and diagrams and checks logos: a text export has none.
        assert "PIL" not in loaded
    else:
        assert library in loaded


def test_themes_suggest_imports_neither_the_web_stack_nor_the_database(tmp_path: Path) -> None:
    ideas = tmp_path / "ideas.txt"
    ideas.write_text("Kiire estää kohtaamisen\nKiireessä ei ehdi kohdata\nLuottamus\n", "utf-8")
    loaded = imported_after(
        "from cafe.cli import cli\n"
        f"cli(['themes', 'suggest', {str(ideas)!r}], standalone_mode=False)"
    )
    assert "cafe" in loaded
    assert not loaded & {"flask", "sqlalchemy", "flask_babel", "babel", *SOCKET_LAYER}


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
