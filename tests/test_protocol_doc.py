"""docs/protocol.md keeps up with the code: every socket event, broadcast and HTTP route.

The doc is the contract the phone, board and control-page scripts are written against, so
a handler, a broadcast or a route it does not mention is a bug, and so is a documented one
that no longer exists. The rules read the doc as people write it:

- a namespace's section is the ``## `/phone` …`` part (up to the next ``## `` heading, its
  ``###`` subsections included); a socket event handler (an ``on_<name>`` method of the
  namespace class registered in the app, ``connect``/``disconnect`` excepted) must be the
  first cell, `` `name` ``, of a row of a table in that section whose header has an ``ack``
  column (the client → server tables);
- a broadcast (``socketio.emit("name", …, namespace=…)`` anywhere in ``cafe/``) must be
  mentioned as `` `name` `` in its namespace's section;
- an HTTP route (rule and methods of the app's url_map, HEAD/OPTIONS and ``static``
  excepted) must be in the first column of the "HTTP endpoints" table: code spans such as
  `` `GET, POST /login` ``; a span without methods takes the previous span's
  (`` `GET /archive/<id>`, `/archive/<id>/v/<n>` ``); ``{a,b}`` stands for either word and
  ``[…]`` for an optional part. Placeholders are compared by position only: the doc's
  ``<id>`` and ``<n>`` are the app's ``<int:event_id>`` and ``<int:number>``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import pytest
from flask import Flask

import cafe.broadcast
from cafe import create_app
from cafe.extensions import socketio
from tests.conftest import ROOT, app_config

DOC = ROOT / "docs" / "protocol.md"
#: Methods every route answers by itself; the doc lists what a client chooses to send.
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}
_CODE = re.compile(r"`([^`]+)`")
_PLACEHOLDER = re.compile(r"<[^<>]*>")
_ROUTE_SPAN = re.compile(r"(?:(?P<methods>[A-Z]+(?:\s*,\s*[A-Z]+)*)\s+)?(?P<path>/\S*)")


# --- reading the doc ----------------------------------------------------------------------


def sections(text: str) -> dict[str, str]:
    """The doc's ``## `` sections by heading (``###`` subsections stay in their section)."""
    found: dict[str, str] = {}
    heading = ""
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            heading = line[3:].strip()
            found[heading] = ""
        elif heading:
            found[heading] += line
    return found


def namespace_section(text: str, namespace: str) -> str | None:
    """The section whose heading names the namespace as code (`` `/phone` ``)."""
    return next(
        (body for heading, body in sections(text).items() if f"`{namespace}`" in heading),
        None,
    )


def cells(row: str) -> list[str]:
    """A Markdown table row's cells; a ``|`` inside a code span does not split
    (`` `POST /lang/<fi|sv|en>` ``)."""
    result, cell, in_code = [], "", False
    for ch in row.strip().removeprefix("|").removesuffix("|"):
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            result.append(cell.strip())
            cell = ""
        else:
            cell += ch
    result.append(cell.strip())
    return result


def tables(section: str) -> Iterator[tuple[list[str], list[list[str]]]]:
    """The tables of a section: header cells and body rows' cells."""
    lines = section.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            header = cells(lines[i])
            i += 2
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(cells(lines[i]))
                i += 1
            yield header, rows
        else:
            i += 1


def documented_events(section: str) -> set[str]:
    """Events in the first column of the section's client → server tables (an ack column)."""
    return {
        name
        for header, rows in tables(section)
        if "ack" in (cell.lower() for cell in header)
        for row in rows
        for name in _CODE.findall(row[0])
    }


def expand(path: str) -> list[str]:
    """All paths a doc path stands for: ``{a,b}`` is either word, ``[…]`` optional."""
    outside = _PLACEHOLDER.sub(lambda m: "\0" * len(m.group()), path)
    brace, bracket = outside.find("{"), outside.find("[")
    if brace < 0 and bracket < 0:
        return [path]
    if brace >= 0 and (bracket < 0 or brace < bracket):
        end = outside.index("}", brace)
        words = path[brace + 1 : end].split(",")
        return [p for word in words for p in expand(path[:brace] + word + path[end + 1 :])]
    end = outside.index("]", bracket)
    return expand(path[:bracket] + path[bracket + 1 : end] + path[end + 1 :]) + expand(
        path[:bracket] + path[end + 1 :]
    )


def normalise(path: str) -> str:
    """A path with every placeholder anonymous: ``/events/<int:event_id>/`` → ``/events/<>/``."""
    return _PLACEHOLDER.sub("<>", path)


def documented_routes(text: str) -> set[tuple[str, str]]:
    """(method, normalised path) for every route the "HTTP endpoints" table lists."""
    section = sections(text).get("HTTP endpoints")
    assert section is not None, 'docs/protocol.md has no "## HTTP endpoints" section'
    routes = set()
    for _header, rows in tables(section):
        for row in rows:
            methods: list[str] = []
            for span in _CODE.findall(row[0]):
                found = _ROUTE_SPAN.fullmatch(span.strip())
                assert found, f"not a route in the HTTP table: `{span}`"
                if found["methods"]:
                    methods = [m.strip() for m in found["methods"].split(",")]
                assert methods, f"a route without a method in the HTTP table: `{span}`"
                routes |= {(m, normalise(p)) for m in methods for p in expand(found["path"])}
    return routes


# --- reading the code ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The app as ``create_app`` builds it: its url_map and its registered namespaces."""
    return create_app(app_config(tmp_path_factory.mktemp("protocol") / "cafe.db"))


def socket_handlers(app: Flask) -> dict[str, set[str]]:
    """Events each registered namespace handles (``on_<name>`` methods and any
    function handlers), ``connect`` and ``disconnect`` excepted."""
    assert socketio.server is not None
    handlers: dict[str, set[str]] = {}
    for namespace, handler in socketio.server.namespace_handlers.items():
        handlers[namespace] = {
            name[3:]
            for name in dir(handler)
            if name.startswith("on_") and callable(getattr(handler, name))
        }
    for message, _function, namespace in socketio.handlers:
        handlers.setdefault(namespace or "/", set()).add(message)
    return {ns: names - {"connect", "disconnect"} for ns, names in handlers.items()}


def http_routes(app: Flask) -> set[tuple[str, str]]:
    """(method, normalised path) for every rule of the app but ``static``."""
    return {
        (method, normalise(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in (rule.methods or set()) - IMPLICIT_METHODS
    }


def broadcasts() -> tuple[set[tuple[str, str]], list[str]]:
    """(event, namespace) of every ``socketio.emit`` in ``cafe/``, read from the source,
    and the calls whose event or namespace could not be told (each a failure)."""
    found: set[tuple[str, str]] = set()
    unclear: list[str] = []
    constants = {
        name: value
        for name, value in vars(cafe.broadcast).items()
        if isinstance(value, str) and value.startswith("/")
    }
    for path in sorted((ROOT / "cafe").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        # Loop variables over a tuple of namespace constants: `for namespace in (A, B):`.
        loops: dict[int, list[str]] = {}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.For)
                and isinstance(node.target, ast.Name)
                and isinstance(node.iter, ast.Tuple)
            ):
                names = [e.id for e in node.iter.elts if isinstance(e, ast.Name)]
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call):
                        loops[id(inner)] = [node.target.id, *names]
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "emit"
                # `socketio.emit` or `extensions.socketio.emit` (cafe/broadcast.py).
                and (
                    (isinstance(node.func.value, ast.Name) and node.func.value.id == "socketio")
                    or (
                        isinstance(node.func.value, ast.Attribute)
                        and node.func.value.attr == "socketio"
                    )
                )
            ):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            event = node.args[0] if node.args else None
            keyword = next((k.value for k in node.keywords if k.arg == "namespace"), None)
            if not (isinstance(event, ast.Constant) and isinstance(event.value, str)):
                unclear.append(f"{where}: the event is not a literal")
                continue
            if not isinstance(keyword, ast.Name):
                unclear.append(f"{where}: the namespace is not a name")
                continue
            loop = loops.get(id(node))
            names = loop[1:] if loop and loop[0] == keyword.id else [keyword.id]
            for name in names:
                if name in constants:
                    found.add((event.value, constants[name]))
                else:
                    unclear.append(f"{where}: namespace {name} is not one of {sorted(constants)}")
    return found, unclear


# --- the rules ------------------------------------------------------------------------------


def test_every_socket_event_handler_is_in_its_namespace_table(app: Flask) -> None:
    text = DOC.read_text("utf-8")
    handlers = socket_handlers(app)
    assert {"/phone", "/board", "/facilitator"} <= set(handlers)
    missing = []
    for namespace, names in sorted(handlers.items()):
        section = namespace_section(text, namespace)
        if section is None:
            missing.append(f"{namespace}: no section headed `{namespace}`")
            continue
        missing += [f"{namespace}: `{name}`" for name in sorted(names - documented_events(section))]
    assert not missing, "docs/protocol.md does not document these socket events:\n" + "\n".join(
        missing
    )


def test_every_documented_socket_event_has_a_handler(app: Flask) -> None:
    text = DOC.read_text("utf-8")
    stale = [
        f"{namespace}: `{name}`"
        for namespace, names in sorted(socket_handlers(app).items())
        for name in sorted(documented_events(namespace_section(text, namespace) or "") - names)
    ]
    assert not stale, "docs/protocol.md documents events nobody handles:\n" + "\n".join(stale)


def test_every_broadcast_is_mentioned_in_its_namespace_section() -> None:
    text = DOC.read_text("utf-8")
    found, unclear = broadcasts()
    assert not unclear, "broadcasts the test cannot read:\n" + "\n".join(unclear)
    assert ("feedback", "/facilitator") in found  # the reader works: a known broadcast
    missing = sorted(
        f"{namespace}: `{event}`"
        for event, namespace in found
        if f"`{event}`" not in (namespace_section(text, namespace) or "")
    )
    assert not missing, "docs/protocol.md does not mention these broadcasts:\n" + "\n".join(missing)


def test_every_http_route_is_in_the_endpoint_table(app: Flask) -> None:
    routes = http_routes(app)
    assert ("GET", "/events/<>/") in routes  # placeholders are normalised as the doc's
    missing = sorted(routes - documented_routes(DOC.read_text("utf-8")))
    assert not missing, "docs/protocol.md does not list these HTTP routes:\n" + "\n".join(
        f"{method} {path}" for method, path in missing
    )


def test_every_documented_route_exists(app: Flask) -> None:
    stale = sorted(documented_routes(DOC.read_text("utf-8")) - http_routes(app))
    assert not stale, "docs/protocol.md lists routes the app does not have:\n" + "\n".join(
        f"{method} {path}" for method, path in stale
    )


# --- the doc reader itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expanded"),
    [
        ("/healthz", ["/healthz"]),
        ("/m/{a,b,c-d}", ["/m/a", "/m/b", "/m/c-d"]),
        (
            "/archive/<id>[/v/<n>]/download/<fmt>",
            ["/archive/<id>/v/<n>/download/<fmt>", "/archive/<id>/download/<fmt>"],
        ),
        ("/lang/<fi|sv|en>", ["/lang/<fi|sv|en>"]),
        ("/x[/{a,b}]", ["/x/a", "/x/b", "/x"]),
    ],
)
def test_doc_paths_expand_shorthands(path: str, expanded: list[str]) -> None:
    assert expand(path) == expanded


def test_doc_tables_are_read_by_column_and_header() -> None:
    text = (
        "## `/phone` — phones\n\n"
        '| event | payload | ack |\n|---|---|---|\n| `join` | `{"a"|"b"}` | `{"ok"}` |\n\n'
        "| broadcast | to | payload |\n|---|---|---|\n| `post` | phones | `sync` |\n\n"
        "## HTTP endpoints\n\n| method, path | who |\n|---|---|\n"
        "| `GET, POST /login`, `POST /logout` | all |\n| `GET /a/<id>`, `/a/<id>/v/<n>` | all |\n"
    )
    assert documented_events(namespace_section(text, "/phone") or "") == {"join"}
    assert documented_routes(text) == {
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/logout"),
        ("GET", "/a/<>"),
        ("GET", "/a/<>/v/<>"),
    }
