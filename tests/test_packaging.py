"""The installed wheel carries the top-level templates, static files and session plans."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_contains_templates_static_sessions_and_migrations(tmp_path: Path) -> None:
    """``pip wheel`` builds a wheel with everything the app loads at run time."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("cafe-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "cafe/templates/base.html",
        "cafe/templates/phone/phone.html",
        "cafe/templates/board/board.html",
        "cafe/static/js/phone.js",
        "cafe/static/vendor/socket.io.min.js",
        "cafe/static/css/app.css",
        "cafe/sessions/cafe-social-2017-10-31.toml",
        "cafe/migrations/env.py",
        "cafe/migrations/script.py.mako",
        "cafe/domain/data/privacy_lexicon.txt",
        "cafe/domain/data/themes_concepts_fi.txt",
        "cafe/translations/fi/LC_MESSAGES/messages.mo",
        "cafe/translations/sv/LC_MESSAGES/messages.mo",
    ):
        assert required in names, required
    assert any(n.startswith("cafe/migrations/versions/0001") for n in names)
