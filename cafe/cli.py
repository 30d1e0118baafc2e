"""The ``cafe`` command: ``run``, ``db upgrade``, ``backup``, ``user add``, ``event create``,
``event list``, ``themes suggest``, ``screen``, ``export``."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cafe import create_app, resource_dir
from cafe.domain.errors import DomainError
from cafe.domain.plan import EventPlan, parse_plan

if TYPE_CHECKING:
    from flask import Flask

    from cafe.links import EventLinks
    from cafe.models import CafeEvent, User

# Flask, SQLAlchemy, Flask-SocketIO and the app's models are imported by the commands that
# use them, not here: `cafe themes suggest` and `cafe screen` need none of them, and
# `cafe export` is waited for (bench: start-up was half of a PDF export's wall time).
# Commands that neither serve nor send nor build a page's URL (`export`, `db upgrade`,
# `backup`) make their app with `serving=False`: no sockets, limits or pages to import.

#: The plan a newcomer sees running on first start: the seed's Cafe Social of 31.10.17.
SAMPLE_PLAN = "cafe-social-2017-10-31.toml"


def _links(app: Flask, event: CafeEvent, base_url: str | None) -> EventLinks:
    from cafe.links import event_links

    base = base_url or app.config.get("CAFE_PUBLIC_URL") or "http://127.0.0.1:5000"
    with app.test_request_context(base_url=base):
        return event_links(event)


def _listening_url(app: Flask, host: str, port: int) -> str | None:
    """Base URL to print after start: none when CAFE_PUBLIC_URL says it, else the address
    listened on (a wildcard address shown as loopback, which a browser can open)."""
    if app.config.get("CAFE_PUBLIC_URL"):
        return None
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"


def _print_event(app: Flask, event: CafeEvent, base_url: str | None = None) -> None:
    links = _links(app, event, base_url)
    click.echo(f"Event:      {event.topic} ({event.date:%d.%m.%Y})")
    click.echo(f"Join code:  {event.join_code}")
    click.echo(f"Phone URL:  {links.phone}")
    click.echo(f"Board URL:  {links.board}")
    click.echo(f"Control:    {links.control}")


def _fail(error: DomainError, what: str) -> None:
    from flask_babel import force_locale

    from cafe.messages import message_for

    with force_locale("en"):
        click.echo(f"error: {what}: {message_for(error)}", err=True)
    sys.exit(2)


def read_plan(path: Path) -> EventPlan:
    """Read and validate a plan file; exit 2 with a clear message if it is not one."""
    try:
        source = path.read_bytes().decode("utf-8")
    except OSError as exc:
        click.echo(f"error: {path}: {exc.strerror}", err=True)
        sys.exit(2)
    except UnicodeDecodeError:
        click.echo(f"error: {path}: not UTF-8 text", err=True)
        sys.exit(2)
    try:
        return parse_plan(source)
    except DomainError as error:
        _fail(error, str(path))
        raise  # unreachable: _fail exits


@click.group()
def cli() -> None:
    """Cafe Social platform."""


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-sample", is_flag=True, help="Do not load the sample event on first start.")
def run_command(host: str, port: int, no_sample: bool) -> None:
    """Migrate the database, create the first account if none exists, and serve."""
    from sqlalchemy import select

    from cafe.auth.operations import create_user, random_password, user_count
    from cafe.database import startup_lock, upgrade_database
    from cafe.extensions import db, socketio
    from cafe.facilitator.operations import create_event
    from cafe.hosts import start_host_sweeper
    from cafe.message_queue import (
        SECRET_KEY_DRAWN,
        QueueUnavailable,
        check_message_queue,
        require_shared_secret,
    )
    from cafe.models import CafeEvent
    from cafe.presence import start_presence
    from cafe.server import serve

    app = create_app()
    try:
        # Before anything is written or printed: a worker that cannot relay must not serve,
        # nor one whose logins the other workers would not know.
        check_message_queue(app.config.get("CAFE_MESSAGE_QUEUE"))
        require_shared_secret(
            app.config.get("CAFE_MESSAGE_QUEUE"),
            configured=not app.extensions.get(SECRET_KEY_DRAWN, False),
        )
    except QueueUnavailable as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    # One worker at a time migrates and looks for a first start: with several starting
    # together, one creates the account and the sample, the others then find them.
    with app.app_context(), startup_lock():
        upgrade_database()
        if user_count() == 0:
            password = random_password()
            # An admin: it sees every event, those made here without --owner included.
            create_user("facilitator", password, admin=True)
            click.echo("First start: created the facilitator account (shown only this once):")
            click.echo("  username: facilitator")
            click.echo(f"  password: {password}")
        has_events = db.session.execute(select(CafeEvent.id).limit(1)).first() is not None
        if not has_events and not no_sample:
            plan = read_plan(Path(resource_dir("sessions")) / SAMPLE_PLAN)
            event = create_event(plan)
            click.echo("Loaded the sample Cafe Social:")
            _print_event(app, event, _listening_url(app, host, port))
    with app.app_context():
        _purge_in_turn(app)
    socketio.start_background_task(_purge_hourly, app)
    # With several workers: this worker's heartbeat in the shared presence count.
    start_presence(app)
    # From the start: a host who never reconnects after a restart is released too.
    start_host_sweeper(app)
    click.echo(f"Serving on http://{host}:{port} (async mode: {socketio.async_mode})")
    serve(app, host, port)


def _purge(app: Flask, days: int | None = None) -> None:
    """Apply the retention rule once and say what it did."""
    from cafe.models import utcnow
    from cafe.retention import purge_raw_posts

    days = app.config["CAFE_RETENTION_DAYS"] if days is None else days
    result = purge_raw_posts(utcnow(), days)
    if result.events:
        click.echo(
            f"Retention ({days} days): {result.deleted_posts} posts deleted, "
            f"{result.anonymised_posts} core ideas unlinked from phones, "
            f"in {result.events} past events."
        )


def _purge_in_turn(app: Flask) -> None:
    """Apply the retention rule unless another worker did within the hour
    (:func:`cafe.retention.purge_turn`)."""
    from cafe.retention import purge_turn

    if purge_turn(app):
        _purge(app)


def _purge_hourly(app: Flask) -> None:
    """Background task of ``cafe run``: the retention rule, every hour (once an hour over
    all workers)."""
    from cafe.extensions import socketio
    from cafe.retention import PURGE_INTERVAL

    while True:
        socketio.sleep(PURGE_INTERVAL)
        with app.app_context():
            _purge_in_turn(app)


@cli.group("posts")
def posts_group() -> None:
    """Participants' posts."""


@posts_group.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    help="Override CAFE_RETENTION_DAYS (0: every event before today).",
)
def posts_purge(days: int | None) -> None:
    """Delete ordinary posts of past events and unlink their core ideas from phones."""
    from cafe.database import upgrade_database

    app = create_app()
    with app.app_context():
        upgrade_database()
        _purge(app, days)
    click.echo("Done.")


@cli.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    from cafe.database import upgrade_database

    app = create_app(serving=False)
    with app.app_context():
        upgrade_database()
    click.echo("Database is up to date.")


@cli.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup_command(path: Path, force: bool) -> None:
    """Copy the database to PATH, also while the server runs: SQLite with its backup API
    (one consistent snapshot, checked), PostgreSQL with pg_dump (custom format, for
    pg_restore). Refuses to replace PATH without --force."""
    from cafe.backup import BackupError, BackupExists, backup_database
    from cafe.extensions import db

    app = create_app(serving=False)
    with app.app_context():
        url = db.engine.url
    try:
        written = backup_database(url, path, force=force)
    except BackupError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2 if isinstance(error, BackupExists) else 1)
    click.echo(f"wrote {written.path} ({written.size} bytes, {written.method})")


@cli.group("user")
def user_group() -> None:
    """Facilitator and organizer accounts."""


@user_group.command("add")
@click.argument("username")
@click.password_option(help="Asked for when not given.")
@click.option("--admin", is_flag=True, help="The account sees and steers every event.")
def user_add(username: str, password: str, admin: bool) -> None:
    """Create an account that can log in to facilitator and organizer pages: it sees the
    events shared with it (``cafe event share``), or every event with ``--admin``."""
    from cafe.auth.operations import create_user
    from cafe.database import upgrade_database

    app = create_app()
    with app.app_context():
        upgrade_database()
        try:
            create_user(username, password, admin=admin)
        except DomainError as error:
            _fail(error, username)
    click.echo(f"Created {'admin' if admin else 'user'} {username}.")


@cli.group("event")
def event_group() -> None:
    """Events."""


@event_group.command("create")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--base-url", help="Public address phones use, e.g. http://192.168.1.10:5000")
@click.option(
    "--owner",
    metavar="NAME",
    help="The account that owns the event (default: none; only admins see it).",
)
def event_create(plan: Path, base_url: str | None, owner: str | None) -> None:
    """Create an event from a plan file; prints the join code, phone URL and board URL.

    The event belongs to the account ``--owner``; without it, only admins see it until it
    is shared (``cafe event share``)."""
    from flask_babel import force_locale

    from cafe.database import upgrade_database
    from cafe.facilitator.operations import create_event
    from cafe.messages import message_for

    parsed = read_plan(plan)
    app = create_app()
    with app.app_context():
        upgrade_database()
        owner_id = None
        if owner is not None:
            account = _find_user(owner)
            if account is None:
                _fail(DomainError("unknown_user"), owner)
                raise  # unreachable: _fail exits
            owner_id = account.id
        try:
            event = create_event(parsed, created_by_id=owner_id)
        except DomainError as error:
            _fail(error, str(plan))
            raise  # unreachable: _fail exits
        for warning in parsed.warnings:
            with force_locale("en"):
                click.echo(f"warning: {message_for(DomainError(warning))}", err=True)
        _print_event(app, event, base_url)


@event_group.command("share")
@click.argument("event")
@click.argument("username")
def event_share(event: str, username: str) -> None:
    """Share EVENT (its number or join code) with the account USERNAME: it then sees,
    steers and documents the event like its creator."""
    from cafe.auth.ownership import owners_of, share_event
    from cafe.database import upgrade_database

    app = create_app()
    with app.app_context():
        upgrade_database()
        found = _find_event(event)
        if found is None:
            click.echo(f"error: no event {event!r} (see `cafe event list`)", err=True)
            sys.exit(2)
        try:
            share_event(found, username)
        except DomainError as error:
            _fail(error, username)
        click.echo(f"Event {found.id} is shared with: {', '.join(owners_of(found))}.")


def _find_user(username: str) -> User | None:
    """The account named ``username``, if any."""
    from sqlalchemy import select

    from cafe.extensions import db
    from cafe.models import User

    return db.session.execute(
        select(User).where(User.username == username.strip())
    ).scalar_one_or_none()


@event_group.command("list")
@click.option("--base-url", help="Public address phones use.")
def event_list(base_url: str | None) -> None:
    """List events with their join codes, links and owners."""
    from sqlalchemy import select

    from cafe.auth.ownership import owners_of
    from cafe.extensions import db
    from cafe.models import CafeEvent

    app = create_app()
    with app.app_context():
        events = db.session.execute(select(CafeEvent).order_by(CafeEvent.date)).scalars()
        for event in events:
            _print_event(app, event, base_url)
            click.echo(f"Owners:     {', '.join(owners_of(event)) or '(admins only)'}")
            click.echo("")


#: ``cafe themes suggest`` refuses files larger than this (a tablecloth is a few kilobytes).
THEMES_MAX_BYTES = 5 * 1024 * 1024
#: … and lines longer than this many characters (a core idea is a sentence or two).
THEMES_MAX_LINE = 2000


def _refuse(path: Path, why: str) -> None:
    click.echo(f"error: {path}: {why}", err=True)
    sys.exit(2)


def read_idea_lines(path: Path, *, allow_empty: bool = False) -> list[str]:
    """The lines of a typed-up tablecloth, one idea each; exit 2 with a message if unusable.

    Blank lines stay lines (every line number must appear in the output), but a file
    without a single non-blank line is refused unless ``allow_empty``. A trailing newline
    does not make a line.
    """
    try:
        size = path.stat().st_size
        if size > THEMES_MAX_BYTES:
            _refuse(path, f"file is too large ({size} bytes; at most {THEMES_MAX_BYTES})")
        raw = path.read_bytes()
    except OSError as exc:
        _refuse(path, exc.strerror or "cannot read the file")
        raise  # unreachable: _refuse exits
    if len(raw) > THEMES_MAX_BYTES:  # the file grew after stat
        _refuse(path, f"file is too large (at most {THEMES_MAX_BYTES} bytes)")
    if b"\x00" in raw:
        _refuse(path, "binary file (contains NUL bytes), expected UTF-8 text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _refuse(path, "not UTF-8 text")
        raise  # unreachable: _refuse exits
    lines = text.splitlines()
    if not allow_empty and not any(line.strip() for line in lines):
        _refuse(path, "no ideas (the file is empty or has only blank lines)")
    for number, line in enumerate(lines, start=1):
        if len(line) > THEMES_MAX_LINE:
            _refuse(
                path,
                f"line {number} is too long ({len(line)} characters; at most {THEMES_MAX_LINE})",
            )
    return lines


@cli.group("themes")
def themes_group() -> None:
    """Suggested theme groupings of core ideas."""


def _text_file_command(help_lang: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The FILE argument and ``--lang`` option of the commands that read texts one per line."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        command = click.option(
            "--lang",
            type=click.Choice(["fi", "sv", "en"]),
            default="fi",
            show_default=True,
            help=help_lang,
        )(command)
        return click.argument("file", type=click.Path(path_type=Path, dir_okay=False))(command)

    return decorate


@themes_group.command("suggest")
@_text_file_command("Language of the ideas.")
@click.option(
    "--topic",
    default="",
    metavar="TEXT",
    help="The event's topic: its words are in every idea, so they group nothing.",
)
def themes_suggest(file: Path, lang: str, topic: str) -> None:
    """Group the ideas of FILE (one per line, UTF-8) into suggested themes; prints JSON.

    Output: {"themes": [{"title": "...", "ideas": [0, 3, 7]}, ...]} with 0-based line
    numbers, every line in exactly one theme. The lemmatiser used goes to stderr.
    """
    from cafe.domain.themes import Language, suggest_themes

    if len(topic) > 1000:
        raise click.BadParameter("at most 1,000 characters", param_hint="--topic")
    lines = read_idea_lines(file)
    language: Language = "fi" if lang == "fi" else "sv" if lang == "sv" else "en"
    result = suggest_themes(lines, language, topic=topic)
    if result.fallback_reason:
        click.echo(f"lemmatiser: {result.mode} ({result.fallback_reason})", err=True)
    else:
        click.echo(f"lemmatiser: {result.mode}", err=True)
    click.echo(json.dumps(result.as_json(), ensure_ascii=False))


@cli.command("screen")
@_text_file_command("Language of the event (Finnish names and numbers are found in any).")
def screen_command(file: Path, lang: str) -> None:
    """Find personal data in the texts of FILE (one per line, UTF-8); prints JSON.

    Output: {"results": [{"line": 1, "findings": [{"kind": "hetu", "start": 24, "end":
    35}]}, ...]}, one entry per line in order (empty findings when clean); kinds: hetu,
    phone, email, iban, address, name; offsets are characters of the line. The name engine
    (voikko or lexicon) goes to stderr.
    """
    from cafe.domain.privacy import findings_payload, name_engine, screen

    lines = read_idea_lines(file, allow_empty=True)
    results = [
        {"line": number, "findings": findings_payload(screen(line, lang))}
        for number, line in enumerate(lines, start=1)
    ]
    click.echo(f"name engine: {name_engine()}", err=True)
    click.echo(json.dumps({"results": results}, ensure_ascii=False))


def _find_event(reference: str) -> CafeEvent | None:
    """An event by its number (``cafe event list``) or its join code."""
    from sqlalchemy import select

    from cafe.domain.codes import normalise_join_code
    from cafe.domain.keys import MAX_ID
    from cafe.extensions import db
    from cafe.models import CafeEvent

    if reference.isdigit():
        number = int(reference)
        # Beyond any key: no event's (PostgreSQL would refuse the query, not answer None).
        return db.session.get(CafeEvent, number) if number <= MAX_ID else None
    code = normalise_join_code(reference)
    if code is None:
        return None
    return db.session.execute(
        select(CafeEvent).where(CafeEvent.join_code == code)
    ).scalar_one_or_none()


@contextmanager
def _start_without_collector() -> Iterator[None]:
    """Start a short command (imports, ``create_app``) with the garbage collector off,
    then freeze what start-up made out of its way, as `cafe run` does, until the command
    ends (unfrozen then, for a caller running it in its own process, such as a test).

    Importing Flask, SQLAlchemy and the models makes some 130,000 objects, which the
    collector would walk again and again and find no garbage in: a quarter of an export's
    wall time (bench/README.md, "Export start-up").
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
        click.get_current_context().call_on_close(gc.unfreeze)
    finally:
        if enabled:
            gc.enable()


@cli.command("export")
@click.argument("event")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "txt", "html", "pdf", "docx"]),
    default="md",
    show_default=True,
    help="Markdown, plain text, print-ready HTML, PDF or Word (A4, footer on every page).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write (default: standard output).",
)
def export_command(event: str, fmt: str, output: Path | None) -> None:
    """Export the memo of EVENT (its number or join code) in the Cafe Social house format:
    the newest saved revision of its minutes, or the draft the event assembles. A
    co-development workshop exports its service-pilot report instead."""
    with _start_without_collector():
        from flask_babel import force_locale

        from cafe.documents.kinds import kind_of
        from cafe.documents.rendering import PdfUnavailable

        # Without sockets, limits and pages: an export only reads, and is waited for.
        app = create_app(serving=False)
    with app.app_context(), app.test_request_context(), force_locale("en"):
        found = _find_event(event)
        if found is None:
            click.echo(f"error: no event {event!r} (see `cafe event list`)", err=True)
            sys.exit(2)
        try:
            # The memo or, for a co-development workshop, its service-pilot report: the
            # organizer's newest revision (published or not), else the assembled draft.
            kind = kind_of(found)
            result = kind.export(found, fmt, kind.current(found))
        except PdfUnavailable as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
    if result.summary_empty:
        click.echo("warning: the shared summary is still empty", err=True)
    if output is None:
        sys.stdout.buffer.write(result.content)
        return
    # Written beside the target and renamed: a failure never leaves half a file.
    partial = output.with_name(output.name + ".partial")
    try:
        partial.write_bytes(result.content)
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        click.echo(f"error: {output}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {output} ({len(result.content)} bytes)", err=True)


@cli.group("templates")
def templates_group() -> None:
    """Workshop templates (sessions/templates/*.toml)."""


@templates_group.command("check")
def templates_check() -> None:
    """List the templates that load and refuse the malformed ones (file:line: reason);
    exits 2 if any is refused."""
    from cafe.workshops import load_catalogue

    catalogue = load_catalogue()
    for name, template in catalogue.templates.items():
        phases = ", ".join(template.phase_ids)
        click.echo(f"{name}: {template.title_in('fi')} ({template.export}) — {phases}")
        # Not an error: such texts show in the event's language, else in Finnish.
        for language, texts in template.missing_texts().items():
            click.echo(f"  no {language} text: {', '.join(texts)}")
    for error in catalogue.errors:
        click.echo(f"refused: {error}", err=True)
    if catalogue.errors:
        sys.exit(2)
