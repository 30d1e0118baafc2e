"""The shared TOML reader of plans, report plans and templates: its guard against nesting."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import cafe.domain.tomlfile as tomlfile
from cafe.domain.tomlfile import (
    MAX_DEPTH,
    TomlTooDeep,
    check_bracket_depth,
    check_data_depth,
    load_toml,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "sessions").glob("**/*.toml"))


def nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_plan_and_template_reads_as_tomllib_reads_it(path: Path) -> None:
    text = path.read_text("utf-8")
    assert load_toml(text) == tomllib.loads(text)


def test_the_limit_is_inclusive_for_text_and_data_alike() -> None:
    assert load_toml(f"x = {nested(MAX_DEPTH)}") == tomllib.loads(f"x = {nested(MAX_DEPTH)}")
    # Dotted keys: the last key holds the value, the ones before it are tables.
    assert load_toml("x" + ".x" * MAX_DEPTH + " = 1")
    for text in (f"x = {nested(MAX_DEPTH + 1)}", "x" + ".x" * (MAX_DEPTH + 1) + " = 1"):
        with pytest.raises(TomlTooDeep):
            load_toml(text)


@pytest.mark.parametrize(
    "text",
    [
        'a = "[[[[[[[[[[[["',
        'a = "\\"[[[[[[[[[[[["',
        "a = '[[[[[[[[[[[[\\'",
        'a = """\n[[[[[[[[[[[[\n"""',
        'a = """ \\""" [[[[[[[[[[[[ """',
        'a = """x""""\nb = [[1]]',
        "a = '''\n{{{{{{{{{{{{\n'''",
        "a = ''''x'''''\nb = 1",
        "# [[[[[[[[[[[[\na = 1",
        'a = 1 # {{{{{{{{{{{{ "\nb = "x"',
        '"[[[[[[[[[[[[" = 1',
        "'{{{{{{{{{{{{' = 1",
    ],
)
def test_brackets_in_strings_keys_and_comments_do_not_count(text: str) -> None:
    assert load_toml(text) == tomllib.loads(text)


def test_the_message_points_at_the_key_and_line_where_the_deep_value_starts() -> None:
    text = 'topic = "x"\n\nopeners = [\n  ' + nested(20) + "\n]\n"
    with pytest.raises(TomlTooDeep) as caught:
        check_bracket_depth(text)
    assert (caught.value.key, caught.value.line, caught.value.limit) == ("openers", 3, MAX_DEPTH)
    assert str(caught.value) == "openers nests arrays or tables more than 8 levels deep"


def test_a_long_key_path_is_shortened_in_the_message() -> None:
    long = "k" * 100
    with pytest.raises(TomlTooDeep) as caught:
        check_data_depth(tomllib.loads(f"{long}" + ".x" * 20 + " = 1"))
    assert len(caught.value.key) == 60
    assert caught.value.key.startswith("kkk") and caught.value.key.endswith("…")


def test_recursion_in_tomllib_is_still_a_refusal_if_the_text_measure_is_fooled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second guard alone: with the bracket measure switched off, tomllib recurses until
    Python stops it, and the caller still gets ``TomlTooDeep``, not ``RecursionError``."""
    monkeypatch.setattr(tomlfile, "check_bracket_depth", lambda text, max_depth: None)
    with pytest.raises(TomlTooDeep) as caught:
        load_toml(f"x = {nested(5_000)}")
    assert (caught.value.key, caught.value.line) == ("?", None)


def test_the_data_walk_does_not_recurse() -> None:
    """A structure far deeper than the recursion limit is measured without a RecursionError."""
    deep: dict[str, object] = {}
    node = deep
    for _ in range(50_000):
        node["a"] = {}
        node = node["a"]  # type: ignore[assignment]
    with pytest.raises(TomlTooDeep):
        check_data_depth(deep)
    check_data_depth(deep, max_depth=50_000)
