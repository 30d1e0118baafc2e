"""``cafe themes suggest FILE``: JSON out, every line once; bad input refused with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cafe.cli import cli

IDEAS = [
    "Vertaistuki auttaa jaksamaan",
    "Asunnottomuus on ratkaistava",
    "",
    "Vertaistukiryhmiä tarvitaan lisää",
    "Asunnottomien nuorten asunnot",
]


def suggest(path: Path, *options: str) -> Result:
    return CliRunner().invoke(cli, ["themes", "suggest", str(path), *options])


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_line_in_exactly_one_theme(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "ideas.txt"
    path.write_text("\n".join(IDEAS) + "\n", "utf-8")
    result = suggest(path, "--lang", lang)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["themes"]
    indices = sorted(i for theme in data["themes"] for i in theme["ideas"])
    assert indices == list(range(len(IDEAS)))
    assert all(isinstance(theme["title"], str) for theme in data["themes"])
    assert result.stderr.startswith("lemmatiser: ")


def test_output_is_deterministic_and_not_ascii_escaped(tmp_path: Path) -> None:
    path = tmp_path / "ideas.txt"
    path.write_text("Näennäisosallisuus\nNäennäisosallisuutta\n", "utf-8")
    first, second = suggest(path), suggest(path)
    assert first.exit_code == 0
    assert first.stdout == second.stdout
    assert "Näennäisosallisuus" in first.stdout
    assert json.loads(first.stdout)["themes"][0]["ideas"] == [0, 1]


def write_bytes(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no ideas"),
        (b"\n  \n\t\n", "no ideas"),
        (b"idea\x00\x01\x02binary", "binary"),
        ("Äiti".encode("latin-1") + b"\n", "not UTF-8"),
        (b"idea\n" * (2 * 1024 * 1024), "too large"),  # 10 MB
        (b"short\n" + b"x" * 100_000 + b"\n", "line 2 is too long"),
    ],
    ids=["empty", "blank-lines", "binary", "latin-1", "10MB", "100k-line"],
)
def test_bad_input_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    result = suggest(write_bytes(tmp_path, content))
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_missing_file_is_refused(tmp_path: Path) -> None:
    result = suggest(tmp_path / "nowhere.txt")
    assert result.exit_code == 2
    assert "nowhere.txt" in result.stderr
    assert result.stdout == ""


def test_unknown_language_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ideas.txt"
    path.write_text("idea\n", "utf-8")
    result = suggest(path, "--lang", "de")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_topic_words_group_nothing(tmp_path: Path) -> None:
    """``--topic``: the topic's words are in every idea, so they do not make one group."""
    path = tmp_path / "ideas.txt"
    path.write_text(
        "Nuoren tavoitteena oma asunto\nNuoren tavoitteena kesätyöpaikka\n"
        "Nuoren tavoitteena uusi harrastus\nNuoren tavoitteena velaton elämä\n",
        "utf-8",
    )
    without = json.loads(suggest(path).stdout)["themes"]
    assert len(without) < 4
    result = suggest(path, "--topic", "Nuorten tavoitteet")
    assert result.exit_code == 0, result.output
    themes = json.loads(result.stdout)["themes"]
    assert [theme["ideas"] for theme in themes] == [[0], [1], [2], [3]]
    assert not any("tavoite" in theme["title"].lower() for theme in themes)


def test_overlong_topic_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ideas.txt"
    path.write_text("Vertaistuki auttaa\n", "utf-8")
    result = suggest(path, "--topic", "x" * 1001)
    assert result.exit_code == 2
    assert "--topic" in result.stderr
    assert result.stdout == ""
