"""The ``cafe`` command, run in-process through click's CliRunner on an instance folder."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from cafe.cli import _listening_url
from cafe.domain.codes import JOIN_ALPHABET
from tests.conftest import ROOT, parse_links
from tests.helpers import cafe

SAMPLE = ROOT / "sessions" / "cafe-social-2017-10-31.toml"


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty instance folder the command keeps its database in."""
    for variable in ("CAFE_DATABASE_URL", "CAFE_PUBLIC_URL", "CAFE_SECRET_KEY"):
        monkeypatch.delenv(variable, raising=False)
    folder = tmp_path / "instance"
    monkeypatch.setenv("CAFE_INSTANCE_PATH", str(folder))
    yield folder


def rows(instance: Path, query: str) -> list[tuple[object, ...]]:
    """Rows of the instance database; none if the command never created it."""
    database = instance / "cafe.db"
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        try:
            return list(connection.execute(query))
        except sqlite3.OperationalError as error:  # no such table: never migrated
            assert "no such table" in str(error)
            return []


def test_event_create_prints_join_code_phone_url_and_board_url(instance: Path) -> None:
    result = cafe("event", "create", str(SAMPLE))

    assert result.exit_code == 0, result.output
    links = parse_links(result.stdout)
    code = links["code"]
    assert len(code) == 6 and set(code) <= set(JOIN_ALPHABET)
    assert links["phone"] == f"http://127.0.0.1:5000/j/{code}"
    board = re.fullmatch(r"http://127\.0\.0\.1:5000/b/([A-Za-z0-9_-]{16,64})", links["board"])
    assert board is not None
    assert "Yhdessä asiakkaan kanssa (31.10.2017)" in result.stdout
    assert rows(instance, "SELECT join_code, board_token, topic FROM cafe_event") == [
        (code, board.group(1), "Yhdessä asiakkaan kanssa")
    ]
    openers = rows(instance, "SELECT name FROM opener ORDER BY position")
    assert openers == [("Birgitta Pekkanen",), ("Iina Suvanto",), ("Päivi Krook",)]
    assert len(rows(instance, "SELECT id FROM event_table")) == 5


def test_event_create_uses_the_given_base_url(instance: Path) -> None:
    result = cafe("event", "create", str(SAMPLE), "--base-url", "http://192.168.1.10:8080")
    assert result.exit_code == 0, result.output
    links = parse_links(result.stdout)
    assert links["phone"] == f"http://192.168.1.10:8080/j/{links['code']}"
    assert links["board"].startswith("http://192.168.1.10:8080/b/")


def test_each_event_gets_its_own_code_and_board_token(instance: Path) -> None:
    first = parse_links(cafe("event", "create", str(SAMPLE)).stdout)
    second = parse_links(cafe("event", "create", str(SAMPLE)).stdout)
    assert first["code"] != second["code"] and first["board"] != second["board"]
    listed = cafe("event", "list")
    assert listed.exit_code == 0
    assert first["code"] in listed.stdout and second["code"] in listed.stdout


def test_event_create_warns_when_the_next_session_is_not_later(
    instance: Path, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('topic = "Aihe"\ndate = 2018-01-24\n[next_session]\ndate = 2017-10-31\n')
    result = cafe("event", "create", str(plan))
    assert result.exit_code == 0
    assert "warning: The next session is dated before this event." in result.stderr
    assert len(rows(instance, "SELECT id FROM cafe_event")) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'topic = "Yhdess\xe4"\ndate = 2017-10-31\n', "not UTF-8 text"),
        (None, "No such file or directory"),
        (
            b'topic = "Aihe"\ndate = 2017-10-31\ncolour = "red"\n',
            "Unknown key in the plan: colour",
        ),
        (b'topic = "Aihe"\ndate = 2017-10-31\nstart = \n', "line 3"),
        (b'topic = "Aihe"\n', "Missing: date"),
        (b'topic = "Aihe"\ndate = 2017-10-31\ntables = 0\n', "1 to 60 tables"),
        (b'date = 2017-10-31\ntopic = "Aihe"\nlanguage = "de"\n', "fi, sv, en"),
    ],
)
def test_bad_plan_exits_2_with_a_clear_message_and_creates_nothing(
    instance: Path, tmp_path: Path, content: bytes | None, message: str
) -> None:
    plan = tmp_path / "plan.toml"
    if content is not None:
        plan.write_bytes(content)

    result = cafe("event", "create", str(plan))

    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {plan}: ")
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert rows(instance, "SELECT id FROM cafe_event") == []


@pytest.mark.parametrize(
    ("nesting", "key"),
    [
        ("tables = " + "[" * 100_000 + "]" * 100_000, "tables"),
        ("openers = " + "[{name = " * 5_000 + '"x"' + "}]" * 5_000, "openers"),
        ("summary" + ".x" * 1_000 + " = 1", "summary" + ".x" * 8),
    ],
)
def test_deeply_nested_plan_exits_2_without_a_traceback(
    instance: Path, tmp_path: Path, nesting: str, key: str
) -> None:
    """tomllib recurses on nested arrays until Python gives up; the command must not."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'topic = "Aihe"\ndate = 2017-10-31\n{nesting}\n', encoding="utf-8")

    result = cafe("event", "create", str(plan))

    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == (
        f"error: {plan}: {key} nests arrays or tables more than 8 levels deep; "
        "a plan needs far fewer.\n"
    )
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert rows(instance, "SELECT id FROM cafe_event") == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('topic = "Aihe"\ndate = 1979-05-27T07:32:00Z\n', "date is a date with a time of day"),
        (
            'topic = "Aihe"\ndate = 2017-10-31\nstart = 2017-10-31T14:00:00\n',
            "start is a time with a date",
        ),
        ('topic = "\u200f\u200b\u202e"\ndate = 2017-10-31\n', "Missing: topic"),
    ],
)
def test_date_times_and_invisible_topics_exit_2_naming_the_key(
    instance: Path, tmp_path: Path, content: str, message: str
) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(content, encoding="utf-8")

    result = cafe("event", "create", str(plan))

    assert result.exit_code == 2
    assert message in result.stderr
    assert rows(instance, "SELECT id FROM cafe_event") == []


def test_user_add_stores_only_a_salted_hash_of_the_password(instance: Path) -> None:
    password = "pitkä ja salainen lause"
    result = cafe("user", "add", "anna", "--password", password)

    assert result.exit_code == 0, result.output
    assert "Created user anna." in result.stdout
    ((username, stored),) = rows(instance, 'SELECT username, password_hash FROM "user"')
    assert username == "anna"
    assert isinstance(stored, str) and stored.startswith("scrypt:")
    assert password not in stored
    assert password.encode() not in (instance / "cafe.db").read_bytes()
    assert password not in result.output


def test_user_add_refuses_a_short_password(instance: Path) -> None:
    result = cafe("user", "add", "anna", "--password", "lyhyt")
    assert result.exit_code == 2
    assert "error: anna: The password must be at least 10 characters." in result.stderr
    assert rows(instance, 'SELECT id FROM "user"') == []


@pytest.mark.parametrize(
    ("username", "message"), [("ab", "3 to 80 characters"), ("anna liisa", "without spaces")]
)
def test_user_add_refuses_a_bad_username(instance: Path, username: str, message: str) -> None:
    result = cafe("user", "add", username, "--password", "pitkä ja salainen lause")
    assert result.exit_code == 2
    assert message in result.stderr
    assert rows(instance, 'SELECT id FROM "user"') == []


def test_user_add_refuses_a_taken_username(instance: Path) -> None:
    assert cafe("user", "add", "anna", "--password", "pitkä ja salainen lause").exit_code == 0
    again = cafe("user", "add", "anna", "--password", "toinen pitkä lause")
    assert again.exit_code == 2
    assert "That username is taken." in again.stderr
    assert len(rows(instance, 'SELECT id FROM "user"')) == 1


def test_db_upgrade_creates_the_schema_and_can_run_again(instance: Path) -> None:
    for _ in range(2):
        result = cafe("db", "upgrade")
        assert result.exit_code == 0
        assert "Database is up to date." in result.stdout
    tables = {name for (name,) in rows(instance, "SELECT name FROM sqlite_master")}
    assert {"user", "cafe_event", "event_table", "opener", "post", "alembic_version"} <= tables


@pytest.mark.parametrize(
    ("host", "public", "expected"),
    [
        ("127.0.0.1", None, "http://127.0.0.1:5000"),
        ("0.0.0.0", None, "http://127.0.0.1:5000"),
        ("192.168.1.10", None, "http://192.168.1.10:5000"),
        ("0.0.0.0", "http://192.168.1.10:5000", None),
    ],
)
def test_first_start_prints_links_a_browser_can_open(
    app: Flask, host: str, public: str | None, expected: str | None
) -> None:
    """A wildcard listen address is printed as loopback; CAFE_PUBLIC_URL wins when set."""
    app.config["CAFE_PUBLIC_URL"] = public
    assert _listening_url(app, host, 5000) == expected
