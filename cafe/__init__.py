"""Cafe: real-time Cafe Social discussion cafés and co-development workshops.

This module stays light: ``cafe run`` must monkey-patch the standard library for gevent
before Flask, SQLAlchemy or requests are imported, and importing ``cafe.__main__``
imports this module first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> str:
    """Locate a top-level folder (templates, static, sessions).

    In a source checkout it sits beside the package; an installed wheel carries a copy
    inside the package (see ``force-include`` in pyproject.toml).
    """
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return str(inside)
    return str(PACKAGE_DIR.parent / name)


def create_app(test_config: dict[str, Any] | None = None, *, serving: bool = True) -> Flask:
    """Create and configure the app (see :func:`cafe.app.create_app`)."""
    from cafe.app import create_app as factory

    return factory(test_config, serving=serving)
