"""``cafe backup``: a consistent copy of the database, made while the server runs.

SQLite is copied with its online backup API in one step: one read transaction, so the copy
is the database as it was at one moment, while phones go on writing (WAL lets them). The
copy is checked (``PRAGMA integrity_check``) and left as a single file, without a WAL.
PostgreSQL is dumped with ``pg_dump`` (one snapshot too) in its custom format, for
``pg_restore``. Either way the copy is written beside the target and renamed into place,
readable by its owner only: it holds the raw posts the retention rule has not yet deleted.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from cafe.database import sqlite_file_uri


class BackupError(Exception):
    """No backup was written; ``str()`` is one sentence that names the fix."""


class BackupExists(BackupError):
    """The target exists and ``force`` was not given."""


@dataclass(frozen=True)
class Backup:
    """A backup written: where, how large, and how it was made."""

    path: Path
    size: int
    #: ``"sqlite"`` (the backup API) or ``"pg_dump"`` (custom format).
    method: str


#: What `cafe backup` tells a machine without PostgreSQL's client programs.
NO_PG_DUMP = (
    "pg_dump is not installed: install PostgreSQL's client programs of the server's major "
    "version or newer (Debian: apt install postgresql-client)."
)


def backup_database(url: URL, target: Path, *, force: bool = False) -> Backup:
    """Copy the database at ``url`` to ``target``; refuse to replace an existing file
    unless ``force``. Raises :class:`BackupError` and leaves nothing behind on failure."""
    if target.is_dir():
        raise BackupError(f"{target} is a folder: name the backup file to write.")
    if target.exists() and not force:
        raise BackupExists(f"{target} exists: add --force to replace it.")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} does not exist: create the folder first.")
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database and url.database != ":memory:":
        method = "sqlite"
    elif backend == "postgresql":
        method = "pg_dump"
    else:
        raise BackupError(
            f"cafe backup copies SQLite and PostgreSQL databases, not {backend}: "
            "use the database's own backup tool."
        )
    # mkstemp: a new file, readable by its owner only, in the target's folder (so that the
    # rename is atomic and the backup is never seen half written).
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        if method == "sqlite":
            _sqlite_backup(Path(url.database or ""), partial)
        else:
            _pg_dump(url, partial)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Backup(target, target.stat().st_size, method)


def _sqlite_backup(source: Path, partial: Path) -> None:
    """Copy the SQLite database ``source`` into the empty file ``partial``."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source}: nothing to back up.")
    # mode=rw: never create an empty database where the real one was expected. The busy
    # timeout rides out a writer that holds the lock while the read transaction starts.
    try:
        origin = sqlite3.connect(sqlite_file_uri(str(source)), uri=True, timeout=30)
    except sqlite3.Error as error:
        raise BackupError(f"{source} cannot be opened ({error}).") from error
    copy = sqlite3.connect(partial)
    try:
        # pages=-1: the whole database in one step, from one snapshot (a stepwise copy
        # starts over whenever another connection writes, and may never finish).
        origin.backup(copy, pages=-1)
        # A single self-contained file: the copy takes the source's WAL mode with it.
        copy.execute("PRAGMA journal_mode=DELETE")
        verdict = copy.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.Error as error:
        raise BackupError(f"{source} could not be copied ({error}).") from error
    finally:
        copy.close()
        origin.close()
    if verdict is None or verdict[0] != "ok":
        raise BackupError(f"the copy of {source} failed its integrity check ({verdict}).")
    with partial.open("rb") as written:
        os.fsync(written.fileno())


def _pg_dump(url: URL, partial: Path) -> None:
    """Dump the PostgreSQL database at ``url`` into ``partial`` (custom format)."""
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError(NO_PG_DUMP)
    # The password goes in the environment, not on the command line, where any user of
    # the machine could read it (ps).
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    dbname = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run(
        [program, "--format=custom", f"--file={partial}", f"--dbname={dbname}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        said = " ".join(result.stderr.split()) or f"exit status {result.returncode}"
        raise BackupError(f"pg_dump failed: {said}")
