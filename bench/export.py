"""Start-up and wall time of ``cafe export`` on a full-size event, and of ``cafe themes suggest``.

In a temporary instance folder it migrates (``cafe db upgrade``), creates the sample event
(``cafe event create sessions/cafe-social-2017-10-31.toml``) and fills it as a large event
fills, through the app's own operations in an app context: ``--posts`` ideas written at its
tables (``submit_post``: Finnish ideas from the labelled theme sets in ``bench/data/``, each
copy varied by a word), about one in four marked a core idea by the table's host, those
gathered into ``--themes`` themes with titles and a paragraph each (``ensure_items``,
``create_theme``, ``move_item``, ``save_theme``) and a summary intro. Then each command runs
``--runs`` times as a separate process (wall clock around ``subprocess.run``, the commands
interleaved run by run): ``cafe export EVENT --format F -o FILE`` for each of ``--formats``,
``cafe themes suggest`` on the event's ideas, and two floors, ``python -c pass`` and
``python -c "import cafe.cli"``.

Two bytecode modes (``--bytecode``): ``as-is`` runs the commands in this environment (with
``PYTHONDONTWRITEBYTECODE=1`` a source checkout's ``cafe`` is compiled at every start);
``cached`` runs them without it and with a private ``PYTHONPYCACHEPREFIX``, after one
warm-up run of each, so every module has its bytecode, as in a real install (pip compiles
a wheel's modules) or after a user's first run. ``both`` (the default) does one, then the
other.

Printed: min / median / max wall time per command and mode (and the median CPU time of
the process, user + system, which tells a busy machine from a slower command), the
exports' sizes, and with ``--importtime`` the 15 largest cumulative imports of the md
export (``python -X importtime``, in the last mode measured).

    .venv/bin/python -m bench.export                              # 500 posts, 7 runs
    .venv/bin/python -m bench.export --formats md,pdf --importtime
    .venv/bin/python -m bench.export --runs 9 --json | tail -n 1 > export.json

A PDF needs WeasyPrint and Pango: where they are missing, the pdf row says so. Times mean
something only on a quiet machine: the report gives the load average before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from uuid import uuid4

from bench.load import cafe_command

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "sessions" / "cafe-social-2017-10-31.toml"
#: Labelled Finnish ideas (``theme<TAB>idea``): ten themes, then eight more on other topics.
IDEA_SETS = (
    ROOT / "bench" / "data" / "themes_fi.tsv",
    ROOT / "bench" / "data" / "themes_fi_dev2.tsv",
)
#: Words appended to the copies of an idea, so that no two posts are the same text.
VARIATIONS = ("", " nyt", " meillä", " tänään", " kunnassa", " hankkeessa", " yhdessä")
FORMATS = ("md", "html", "docx", "pdf")
MODES = ("as-is", "cached")
MODE_NOTES = {
    "as-is": "this environment",
    "cached": "every module's bytecode written by a warm-up run",
}
#: A phone writes at most this many ideas (the per-phone limit's burst is 10).
POSTS_PER_PHONE = 8
#: Every this many ideas at a table, the host marks one a core idea.
CORE_EVERY = 4
TIMEOUT = 300
IMPORTTIME_TOP = 15


@dataclass(frozen=True)
class Options:
    """Command-line options."""

    posts: int
    themes: int
    runs: int
    formats: tuple[str, ...]
    modes: tuple[str, ...]
    importtime: bool
    output_dir: Path | None
    json: bool


def parse_options(argv: Sequence[str] | None = None) -> Options:
    """Parse and check the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.export", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--posts", type=int, default=500, help="ideas written at the tables")
    parser.add_argument("--themes", type=int, default=12, help="themes gathered (2..18)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command")
    parser.add_argument(
        "--formats",
        default=",".join(FORMATS),
        help=f"export formats to time, comma-separated (default {','.join(FORMATS)})",
    )
    parser.add_argument("--bytecode", choices=[*MODES, "both"], default="both")
    parser.add_argument(
        "--importtime", action="store_true", help="the 15 largest imports of the md export"
    )
    parser.add_argument(
        "--output-dir", type=Path, help="keep the exported files (and the ideas file) here"
    )
    parser.add_argument("--json", action="store_true", help="also print one line of JSON")
    args = parser.parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    if not formats or any(f not in FORMATS for f in formats):
        parser.error(f"--formats takes some of {', '.join(FORMATS)}")
    if not 10 <= args.posts <= 5000:
        parser.error("--posts must be 10..5000")
    if not 2 <= args.themes <= 18:
        parser.error("--themes must be 2..18 (the labelled sets have 18)")
    if not 1 <= args.runs <= 100:
        parser.error("--runs must be 1..100")
    return Options(
        posts=args.posts,
        themes=args.themes,
        runs=args.runs,
        formats=tuple(dict.fromkeys(formats)),
        modes=MODES if args.bytecode == "both" else (args.bytecode,),
        importtime=args.importtime,
        output_dir=args.output_dir,
        json=args.json,
    )


def log(message: str) -> None:
    """A progress line on stderr (the report goes to stdout)."""
    print(f"[bench.export] {message}", file=sys.stderr, flush=True)


# --- the event -------------------------------------------------------------------------


def labelled_ideas(themes: int) -> list[tuple[str, str]]:
    """(theme, idea) pairs of the first ``themes`` labelled themes, in file order."""
    pairs: list[tuple[str, str]] = []
    for path in IDEA_SETS:
        for line in path.read_text("utf-8").splitlines():
            if line.startswith("#") or not line.strip() or line.startswith("theme\t"):
                continue
            label, idea = line.split("\t")[:2]
            pairs.append((label, idea))
    chosen = list(dict.fromkeys(label for label, _ in pairs))[:themes]
    return [(label, idea) for label, idea in pairs if label in chosen]


def _device(number: int) -> str:
    # A phone's device as the socket layer passes it on: a hash of its token.
    return hashlib.sha256(f"bench-export-{number}".encode()).hexdigest()


@contextmanager
def _environment(changes: dict[str, str | None]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in changes}
    try:
        _set_environment(changes)
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: dict[str, str | None]) -> None:
    """Set each variable of ``values``, or remove it where the value is None."""
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@dataclass
class Seeded:
    """The event as filled: what the report says and what the exports must hold."""

    event_id: int
    posts: int
    held: int
    core: int
    themes: list[str] = field(default_factory=list)
    ideas: list[str] = field(default_factory=list)


def fill(instance: Path, join_code: str, posts: int, themes: int) -> Seeded:
    """Write the posts, mark core ideas, gather them into themes, write the intro."""
    # In this process only (the timed commands are separate processes).
    from sqlalchemy import select

    from cafe import create_app
    from cafe.extensions import db
    from cafe.facilitator.operations import set_phase
    from cafe.gathering import operations as gathering
    from cafe.host_role import claim_table_host
    from cafe.models import CafeEvent, Post, SummaryIntro
    from cafe.phone.operations import mark_core, submit_post

    pool = labelled_ideas(themes)
    with _environment({"CAFE_INSTANCE_PATH": str(instance), "CAFE_DATABASE_URL": None}):
        app = create_app({"CAFE_LOG_LEVEL": "WARNING"})
    with app.app_context(), app.test_request_context():
        event = db.session.execute(
            select(CafeEvent).where(CafeEvent.join_code == join_code)
        ).scalar_one()
        event_id = event.id
        tables = sorted(event.tables, key=lambda t: t.position)
        set_phase(event, "tables")
        hosts = {}
        for index, table in enumerate(tables):
            hosts[table.id] = _device(1_000_000 + index)
            claim_table_host(event, table.id, hosts[table.id])
        label_of: dict[str, str] = {}
        ideas: list[str] = []
        held = core = 0
        for number in range(posts):
            label, idea = pool[number % len(pool)]
            text = idea + VARIATIONS[(number // len(pool)) % len(VARIATIONS)]
            table = tables[number % len(tables)]
            # Phones at a table write in turn, each at most POSTS_PER_PHONE ideas.
            phone = number // (len(tables) * POSTS_PER_PHONE) * len(tables) + number % len(tables)
            client_id = str(uuid4())
            done = submit_post(
                event_id,
                table_id=table.id,
                device=_device(phone),
                client_id=client_id,
                text=text,
                role=event.role_tags[phone % len(event.role_tags)] if event.role_tags else None,
            )
            ideas.append(text)
            if done.post.held:
                held += 1
            elif (number // len(tables)) % CORE_EVERY == 0:
                mark_core(event, hosts[table.id], client_id, True)
                label_of[client_id] = label
                core += 1
        set_phase(event, "gathering")
        gathering.ensure_items(event)
        items: dict[str, list[tuple[int, str]]] = {}
        for client_id, item_id, text in db.session.execute(
            select(Post.client_id, Post.item_id, Post.text)
            .where(Post.event_id == event_id, Post.item_id.is_not(None))
            .order_by(Post.id)
        ):
            if client_id in label_of and item_id is not None:
                items.setdefault(label_of[client_id], []).append((item_id, text))
        titles: list[str] = []
        for label, members in items.items():
            # Most cards dropped on the new theme at once (an accepted suggestion), the
            # last one dragged in afterwards.
            theme = gathering.create_theme(
                event, label, author_id=None, items=[i for i, _ in members[:-1]]
            ).value
            gathering.move_item(event, members[-1][0], theme_id=theme.id, index=None)
            sentences = list(dict.fromkeys(text.rstrip(".") for _, text in members))
            body = "Pöydissä nostettiin esiin muun muassa seuraavaa. " + " ".join(
                f"{s[0].upper()}{s[1:]}." for s in sentences
            )
            gathering.save_theme(
                event, theme.id, base=theme.revision, title=label, body=body, author_id=None
            )
            titles.append(label)
        intro = db.session.get(SummaryIntro, event_id)
        gathering.save_intro(
            event,
            intro.revision if intro is not None else 0,
            f"Keskustelukahvilaan osallistui {len(tables)} pöydällistä ihmisiä, jotka kirjoittivat"
            f" yhteensä {posts} ajatusta. Pöytäisännät merkitsivät niistä {core} ydinajatusta,"
            f" jotka koottiin yhdessä {len(titles)} teemaksi. Alla teemat järjestyksessä.",
            None,
        )
    return Seeded(event_id, posts, held, core, titles, ideas)


def prepare(instance: Path, posts: int, themes: int) -> Seeded:
    """Migrate a fresh instance, create the sample event and fill it."""
    env = command_env(instance, "as-is", None)
    subprocess.run(
        [cafe_command(), "db", "upgrade"], env=env, check=True, capture_output=True, timeout=TIMEOUT
    )
    created = subprocess.run(
        [cafe_command(), "event", "create", str(PLAN)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    code = re.search(r"^Join code:\s*(\S+)", created.stdout, re.M)
    if code is None:
        raise RuntimeError(f"no join code in: {created.stdout!r}")
    return fill(instance, code.group(1), posts, themes)


# --- the timings ------------------------------------------------------------------------


def command_env(instance: Path, mode: str, cache: Path | None) -> dict[str, str]:
    """The commands' environment: the instance, and the bytecode mode."""
    env = dict(os.environ)
    env["CAFE_INSTANCE_PATH"] = str(instance)
    env.pop("CAFE_DATABASE_URL", None)
    env.pop("CAFE_MESSAGE_QUEUE", None)
    if mode == "cached" and cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # Private, so that this bench neither reads nor leaves __pycache__ in the tree.
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


@dataclass
class Row:
    """One command's timings in one mode (seconds)."""

    command: str
    runs: int = 0
    min: float | None = None
    median: float | None = None
    max: float | None = None
    error: str | None = None
    times: list[float] = field(default_factory=list)
    #: CPU time (user + system) of the process and its children: less swayed by other
    #: load than the wall time, so it tells a busy machine from a slower command.
    cpu_median: float | None = None
    cpu: list[float] = field(default_factory=list)


def commands(
    options: Options, seeded: Seeded, folder: Path, ideas_file: Path
) -> dict[str, list[str]]:
    """Name → argv of every timed command."""
    python, cafe = sys.executable, cafe_command()
    table = {
        "python -c pass": [python, "-c", "pass"],
        "import cafe.cli": [python, "-c", "import cafe.cli"],
        "themes suggest": [cafe, "themes", "suggest", str(ideas_file), "--lang", "fi"],
    }
    for fmt in options.formats:
        out = str(folder / f"muistio.{fmt}")
        table[f"export {fmt}"] = [cafe, "export", str(seeded.event_id), "--format", fmt, "-o", out]
    return table


def _failure(done: subprocess.CompletedProcess[str]) -> str:
    said = [line for line in done.stderr.splitlines() if line.strip()]
    return f"exit {done.returncode}: {said[-1] if said else 'no message'}"[:200]


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def time_all(table: dict[str, list[str]], env: dict[str, str], runs: int) -> list[Row]:
    """Each command ``runs`` times, interleaved, as separate processes."""
    rows = {name: Row(name) for name in table}
    for _ in range(runs):
        for name, argv in table.items():
            row = rows[name]
            if row.error is not None:
                continue
            used = _children_cpu()
            began = time.perf_counter()
            done = subprocess.run(
                argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT
            )
            elapsed = time.perf_counter() - began
            cpu = _children_cpu() - used
            if done.returncode != 0:
                # A PDF without Pango: `cafe export` says why and exits 1.
                row.error = _failure(done)
                continue
            row.times.append(elapsed)
            row.cpu.append(cpu)
    for row in rows.values():
        if row.times:
            row.runs = len(row.times)
            row.min = round(min(row.times), 3)
            row.median = round(statistics.median(row.times), 3)
            row.max = round(max(row.times), 3)
            row.times = [round(t, 3) for t in row.times]
            row.cpu_median = round(statistics.median(row.cpu), 3)
            row.cpu = [round(t, 3) for t in row.cpu]
    return list(rows.values())


def import_times(argv: list[str], env: dict[str, str]) -> list[tuple[str, float, float]]:
    """(module, cumulative s, self s) of the largest cumulative imports of one run."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    found = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (.+)$", line)
        if m:
            found.append((m.group(3).strip(), int(m.group(2)) / 1e6, int(m.group(1)) / 1e6))
    found.sort(key=lambda x: -x[1])
    return found[:IMPORTTIME_TOP]


def load_average() -> float | None:
    """The 1-minute load average (None where the system has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


@dataclass
class Result:
    """What the report prints."""

    posts: int
    held: int
    core_ideas: int
    themes: list[str]
    event_id: int
    runs: int
    sizes: dict[str, int]
    modes: dict[str, list[Row]]
    importtime: list[tuple[str, float, float]]
    load_before: float | None
    load_after: float | None
    python: str


def run(options: Options) -> Result:
    """Fill the event, then time every command in every mode."""
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="cafe-bench-export-") as temp:
        folder = Path(temp)
        instance = folder / "instance"
        instance.mkdir()
        out = options.output_dir or folder / "out"
        out.mkdir(parents=True, exist_ok=True)
        log(f"filling the sample event with {options.posts} posts")
        seeded = prepare(instance, options.posts, options.themes)
        ideas_file = out / "ideas.txt"
        ideas_file.write_text("\n".join(seeded.ideas) + "\n", "utf-8")
        table = commands(options, seeded, out, ideas_file)
        modes: dict[str, list[Row]] = {}
        env: dict[str, str] = {}
        for mode in options.modes:
            env = command_env(instance, mode, folder / "pycache")
            if mode == "cached":
                for argv in table.values():  # the warm-up: writes every module's bytecode
                    subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, timeout=TIMEOUT)
            log(f"timing {len(table)} commands x {options.runs} runs ({mode})")
            modes[mode] = time_all(table, env, options.runs)
        sizes = {
            fmt: (out / f"muistio.{fmt}").stat().st_size
            for fmt in options.formats
            if (out / f"muistio.{fmt}").exists()
        }
        top = []
        if options.importtime:
            md = [cafe_command(), "export", str(seeded.event_id), "--format", "md"]
            top = import_times([*md, "-o", str(folder / "importtime.md")], env)
    return Result(
        posts=seeded.posts,
        held=seeded.held,
        core_ideas=seeded.core,
        themes=seeded.themes,
        event_id=seeded.event_id,
        runs=options.runs,
        sizes=sizes,
        modes=modes,
        importtime=top,
        load_before=load_before,
        load_after=load_average(),
        python=sys.version.split()[0],
    )


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report(result: Result) -> str:
    """The figures as text."""
    lines = [
        f"event {result.event_id}: {result.posts} posts ({result.held} held by the screen),"
        f" {result.core_ideas} core ideas in {len(result.themes)} themes; Python {result.python}",
        "exports: " + ", ".join(f"{fmt} {size:,} bytes" for fmt, size in result.sizes.items()),
        f"load average (1 min): {result.load_before} before, {result.load_after} after",
    ]
    for mode, rows in result.modes.items():
        lines += [
            "",
            f"wall time, s ({mode}: {MODE_NOTES[mode]}; {result.runs} runs)",
            f"  {'command':<18} {'min':>7} {'median':>7} {'max':>7}   CPU median",
        ]
        for row in rows:
            if row.error is not None and not row.times:
                lines.append(f"  {row.command:<18} unavailable ({row.error})")
                continue
            lines.append(
                f"  {row.command:<18} {_s(row.min):>7} {_s(row.median):>7} {_s(row.max):>7}"
                f"   {_s(row.cpu_median):>7}" + (f"  ({row.error})" if row.error else "")
            )
    if result.importtime:
        lines += ["", "largest cumulative imports of `cafe export --format md` (s):"]
        lines += [
            f"  {cumulative:7.3f} (self {own:.3f})  {name}"
            for name, cumulative, own in result.importtime
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    options = parse_options(argv)
    try:
        result = run(options)
    except (RuntimeError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        log(f"error: {error or type(error).__name__}")
        said = getattr(error, "stderr", None)
        if said:
            log(said.decode(errors="replace") if isinstance(said, bytes) else str(said))
        return 1
    print(report(result), flush=True)
    if options.json:
        print(json.dumps(asdict(result), ensure_ascii=False), flush=True)
    failed = [
        row.command
        for rows in result.modes.values()
        for row in rows
        if row.error is not None and row.command != "export pdf"
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
