"""bench/export.py: a small event filled through the app's operations, its commands timed as
processes, and a memo exported that holds every theme the bench gathered."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.export import labelled_ideas, parse_options
from tests.conftest import ROOT


def test_a_small_run_reports_each_command_and_exports_the_gathered_themes(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bench.export"),
            *("--posts", "30", "--runs", "1", "--formats", "md", "--bytecode", "as-is"),
            *("--output-dir", str(tmp_path), "--json"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["posts"] == 30
    assert set(result["modes"]) == {"as-is"}
    rows = {row["command"]: row for row in result["modes"]["as-is"]}
    assert set(rows) == {"python -c pass", "import cafe.cli", "themes suggest", "export md"}
    for row in rows.values():
        assert row["error"] is None, row
        assert row["runs"] == 1
        assert 0 < row["min"] <= row["median"] <= row["max"] < 60
    # The report's table carries the same rows.
    assert "export md" in done.stdout and "themes suggest" in done.stdout

    # Every gathered theme, with its title and a paragraph from its core ideas, is in the
    # memo the timed command wrote.
    memo = (tmp_path / "muistio.md").read_text("utf-8")
    assert result["sizes"] == {"md": len(memo.encode("utf-8"))}
    labels = {label for label, _ in labelled_ideas(12)}
    themes = result["themes"]
    assert len(themes) >= 5 and set(themes) <= labels
    assert result["core_ideas"] >= len(themes)
    for title in themes:
        assert f"**{title}.** Pöydissä nostettiin esiin" in memo, title
    ideas = (tmp_path / "ideas.txt").read_text("utf-8").splitlines()
    assert len(ideas) == 30 and len(set(ideas)) == 30


def test_options_are_checked() -> None:
    options = parse_options(["--formats", "md,pdf", "--bytecode", "cached"])
    assert options.formats == ("md", "pdf")
    assert options.modes == ("cached",)
    assert parse_options([]).modes == ("as-is", "cached")
    for wrong in (["--formats", "odt"], ["--posts", "5"], ["--runs", "0"], ["--themes", "40"]):
        with pytest.raises(SystemExit):
            parse_options(wrong)
