"""Reading the TOML files people write: plan files, report plans and workshop templates.

Every one of them is parsed here, so they share one guard against nesting: a file with
arrays or tables inside each other hundreds of levels deep makes ``tomllib`` recurse until
Python gives up (``RecursionError``), and a deep structure built from dotted keys
(``a.a.a.… = 1``, which ``tomllib`` reads without recursing) would do the same to any code
that walks or prints it later. No real plan or template nests more than three levels
(``[[summary.themes]]`` → a theme → its ``title``), so a few more is plenty.

The guard runs three times, each cheap: the raw text's bracket nesting is measured before
parsing (so ``tomllib`` never gets to recurse deeply, and the message can point at the
line), ``RecursionError`` is still caught in case that measure was fooled, and the parsed
data's depth is checked without recursion (dotted keys and table headers nest without
brackets).
"""

from __future__ import annotations

import re
import tomllib
from typing import Any, TypeAlias

#: The deepest a plan or template may nest arrays and tables (the document itself is 0).
MAX_DEPTH = 8
#: How much of a key path a message shows: enough to find it, never the whole of a
#: thousand-level path.
_SHOWN_KEY = 60
_KEY_RE = re.compile(r"^\s*(?P<key>[^=#\[\]{}]+?)\s*=")


class TomlTooDeep(ValueError):
    """The text nests arrays or tables deeper than allowed.

    ``key`` is where (a key path such as ``summary.themes[1]``, or the key assigned on the
    line where the deep value starts), ``line`` that line when known, ``limit`` the limit.
    """

    def __init__(self, key: str, line: int | None, limit: int) -> None:
        super().__init__(f"{key} nests arrays or tables more than {limit} levels deep")
        self.key = key
        self.line = line
        self.limit = limit


def load_toml(text: str, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """Parse TOML text whose arrays and tables nest at most ``max_depth`` levels.

    Raises ``tomllib.TOMLDecodeError`` for a syntax error (callers word it their way) and
    :class:`TomlTooDeep` for nesting beyond the limit.
    """
    check_bracket_depth(text, max_depth)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        # Only reachable if the bracket measure was fooled; still a clear refusal.
        raise TomlTooDeep("?", None, max_depth) from None
    check_data_depth(data, max_depth)
    return data


def _key_on(line: str) -> str:
    """The key a line assigns (``topic = [`` → ``topic``), else the line's start."""
    found = _KEY_RE.match(line)
    shown = found["key"] if found else line.strip()
    return shown if len(shown) <= _SHOWN_KEY else shown[: _SHOWN_KEY - 1] + "…"


def _skip_string(text: str, i: int, line: int) -> tuple[int, int]:
    """Skip the string starting at ``text[i]``; return the index after it and the line.

    Basic strings (``"``) have backslash escapes, literal strings (``'``) none; a tripled
    quote opens a multi-line string, closed by the last three quotes of a run of up to five
    (TOML lets one or two quotes end the content). A single-line string ends at the line's
    end even if unclosed: the parser reports that, this only measures.
    """
    quote = text[i]
    basic = quote == '"'
    end = len(text)
    multi = text.startswith(quote * 3, i)
    i += 3 if multi else 1
    while i < end:
        ch = text[i]
        if basic and ch == "\\":
            if text.startswith("\n", i + 1):
                line += 1
            i += 2
            continue
        if ch == "\n":
            line += 1
            if not multi:
                return i + 1, line
        elif ch == quote:
            if not multi:
                return i + 1, line
            if text.startswith(quote * 3, i):
                run = 3
                while run < 5 and text.startswith(quote, i + run):
                    run += 1
                return i + run, line
        i += 1
    return end, line


def check_bracket_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse text whose ``[``/``{`` nesting (outside strings and comments) exceeds
    ``max_depth``, naming the key assigned on the line where the deep value starts.

    For valid TOML this depth never exceeds the parsed data's (every bracket opens an
    array or table), so it refuses nothing :func:`check_data_depth` would accept.
    """
    depth = 0
    line = start = 1
    i, end = 0, len(text)
    while i < end:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == "#":
            newline = text.find("\n", i)
            i = end if newline < 0 else newline
            continue
        elif ch in "\"'":
            i, line = _skip_string(text, i, line)
            continue
        elif ch in "[{":
            depth += 1
            if depth == 1:
                start = line
            if depth > max_depth:
                raise TomlTooDeep(_key_on(text.split("\n")[start - 1]), start, max_depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1


#: A key path as a linked list, innermost step first: ``(".name", ("[1]", (".openers", None)))``.
_Link: TypeAlias = "tuple[str, _Link] | None"


def check_data_depth(data: dict[str, Any], max_depth: int = MAX_DEPTH) -> None:
    """Refuse parsed data nesting arrays or tables more than ``max_depth`` levels, naming
    the key path that goes too deep. Walks with an explicit stack, never recursing; each
    entry links to its parent's, so the walk stays linear however deep the data."""
    # (value, its level, its path as a linked list of steps: (step, parent's link))
    stack: list[tuple[object, int, _Link]] = [(data, 0, None)]
    while stack:
        value, level, link = stack.pop()
        if isinstance(value, dict):
            children: list[tuple[str, object]] = [(f".{k}", v) for k, v in value.items()]
        elif isinstance(value, list):
            children = [(f"[{n}]", v) for n, v in enumerate(value, 1)]
        else:
            continue
        if level > max_depth:
            steps = []
            while link is not None:
                steps.append(link[0])
                link = link[1]
            shown = "".join(reversed(steps)).removeprefix(".")
            if len(shown) > _SHOWN_KEY:
                shown = shown[: _SHOWN_KEY - 1] + "…"
            raise TomlTooDeep(shown, None, max_depth)
        stack.extend((child, level + 1, (step, link)) for step, child in children)
