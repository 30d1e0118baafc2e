"""The ``cafe`` command. ``cafe run`` serves with gevent, so it patches the standard library
before anything else is imported (the order gevent requires)."""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``cafe`` console script."""
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        from gevent import monkey

        monkey.patch_all()
    from cafe.cli import cli

    cli()


if __name__ == "__main__":
    main()
