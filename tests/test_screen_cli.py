"""``cafe screen FILE``: one JSON object, an entry per line in order; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cafe.cli import cli


def run_screen(path: Path, *options: str) -> Result:
    return CliRunner().invoke(cli, ["screen", str(path), *options])


def test_every_line_in_order_with_its_findings(tmp_path: Path) -> None:
    path = tmp_path / "posts.txt"
    lines = [
        "hetuni 131052-308T näkyi kuoressa",
        "",
        "Vertaistuki auttaa jaksamaan",
        "Soita 040 123 4567 tai mailaa anna at gmail dot com",
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    result = run_screen(path)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["results"]
    assert [entry["line"] for entry in data["results"]] == [1, 2, 3, 4]
    assert data["results"][0]["findings"] == [{"kind": "hetu", "start": 7, "end": 18}]
    assert data["results"][1]["findings"] == []
    assert data["results"][2]["findings"] == []
    found = data["results"][3]["findings"]
    assert [f["kind"] for f in found] == ["phone", "email"]
    assert [lines[3][f["start"] : f["end"]] for f in found] == [
        "040 123 4567",
        "anna at gmail dot com",
    ]
    assert result.stderr.startswith("name engine: ")


def test_offsets_are_characters_not_bytes(tmp_path: Path) -> None:
    path = tmp_path / "posts.txt"
    line = "Äänestä ööö: Pekka Virtanen"
    path.write_text(line + "\n", "utf-8")
    result = run_screen(path, "--lang", "sv")
    assert result.exit_code == 0, result.output
    (finding,) = json.loads(result.stdout)["results"][0]["findings"]
    assert line[finding["start"] : finding["end"]] == "Pekka Virtanen"


def test_empty_file_gives_no_results(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    result = run_screen(path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"results": []}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00bad", "binary file"),
        (b"caf\xe9 au lait\n", "not UTF-8"),
        (b"x" * 2001 + b"\n", "line 1 is too long"),
    ],
)
def test_unusable_file_exits_2(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = run_screen(path)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run_screen(tmp_path / "nope.txt")
    assert result.exit_code == 2
    assert "nope.txt" in result.stderr
    assert "No such file" in result.stderr


def test_unknown_language_refused(tmp_path: Path) -> None:
    path = tmp_path / "posts.txt"
    path.write_text("Hei\n", "utf-8")
    result = run_screen(path, "--lang", "de")
    assert result.exit_code == 2
