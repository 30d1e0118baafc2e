"""The memo, exported by ``cafe export``, reads as the organizer typed it: the seed memo of
31.10.17 and a memo of our own are rebuilt from their plan files and compared word for
word; the HTML export is print-ready; bad requests exit 2 and write nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from cafe import create_app
from cafe.documents.operations import save
from cafe.extensions import db
from cafe.minutes.operations import current_memo
from cafe.models import CafeEvent
from tests.conftest import ROOT
from tests.helpers import SEED_PLAN, cafe, created, seed_memo, words

OWN_PLAN = ROOT / "sessions" / "cafe-social-2018-03-14-own.toml"
OWN_TEXT = ROOT / "tests" / "data" / "memo_own.txt"


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty instance folder for the command's database."""
    for variable in ("CAFE_DATABASE_URL", "CAFE_PUBLIC_URL", "CAFE_SECRET_KEY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CAFE_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path


def exported(code: str, fmt: str, target: Path) -> str:
    result = cafe("export", code, "--format", fmt, "-o", str(target))
    assert result.exit_code == 0, result.output
    return target.read_text("utf-8")


def markdown_as_typed(markdown: str) -> str:
    """What a Markdown memo says once its markup is read: headings' ``#``, the bold of the
    run-in themes, the rule before the footer and backslash escapes go."""
    text = re.sub(r"(?m)^#{1,2} ", "", markdown)
    text = re.sub(r"(?m)^---$", "", text)
    text = text.replace("**", "")
    return re.sub(r"\\(.)", r"\1", text)


def test_seed_memo_is_rebuilt_word_for_word_as_text_and_markdown(
    instance: Path,
) -> None:
    code = created(SEED_PLAN)
    expected = words(seed_memo())
    # The plain text drops bold and italic markers alike (the seed kept its one italic's).
    plain = words(seed_memo().replace("*osallisuuden kokemuksen*", "osallisuuden kokemuksen"))

    text = exported(code, "txt", instance / "memo.txt")
    markdown = exported(code, "md", instance / "memo.md")

    assert words(text) == plain
    assert words(markdown_as_typed(markdown)) == expected
    assert text.startswith("Cafe Social -keskustelukahvilan muistio 31.10.17\n\nAihe: ")
    assert "\n\n**Osallisuuden mahdollistaminen.** Esimerkiksi OK-hankkeessa" in markdown
    assert "\n\nKuinka *osallisuuden kokemuksen* saisi" in markdown


def test_our_own_memo_round_trips_exactly(instance: Path) -> None:
    code = created(OWN_PLAN)
    expected = OWN_TEXT.read_text("utf-8")

    text = exported(code, "txt", instance / "own.txt")
    markdown = exported(code, "md", instance / "own.md")

    assert text == expected
    # The Markdown keeps the italics' stars, which the plain text drops.
    assert words(markdown_as_typed(markdown).replace("*", "")) == words(expected)
    assert "*relationaalinen sosiaalityö*" in markdown
    assert "Seuraava Cafe Social" not in text
    assert "Keskustelua jatkettiin aluksi pöytäkunnittain" in text


def test_html_export_is_a_print_ready_page_with_the_footer_on_every_page(
    instance: Path,
) -> None:
    code = created(SEED_PLAN)
    html = exported(code, "html", instance / "memo.html")

    assert html.startswith("<!doctype html>")
    assert "@page { size: A4;" in html
    # Browsers print the footer text in the page's bottom margin box, on every page.
    assert '@bottom-center { content: "Kest\\e4 v\\e4 \\e4  kasvua' in html
    assert "<h1>Cafe Social -keskustelukahvilan muistio 31.10.17</h1>" in html
    assert "<strong>Osallisuuden mahdollistaminen.</strong> Esimerkiksi" in html
    assert html.count("Kestävää kasvua ja työtä -ohjelma") == 1
    assert '<footer class="memo-footer">' in html


def test_an_event_without_summary_exports_its_frame_with_a_warning(instance: Path) -> None:
    plan = instance / "plan.toml"
    plan.write_text('topic = "Uusi aihe"\ndate = 2026-12-01\n', "utf-8")
    code = created(plan)
    result = cafe("export", code, "--format", "txt")

    assert result.exit_code == 0, result.output
    assert "warning: the shared summary is still empty" in result.stderr
    assert result.stdout.startswith("Cafe Social -keskustelukahvilan muistio 1.12.26\n")
    assert "Keskustelun yhteenvetoa" in result.stdout


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("fi", "Cafe Social -etäkahvila: muistio 1.12.26"),
        ("sv", "Cafe Social -etäkahvila: minnesanteckningar 1.12.26"),
        ("en", "Cafe Social -etäkahvila: minutes of 1 December 2026"),
    ],
)
def test_the_plans_own_title_reaches_the_memos_title_line(
    instance: Path, language: str, line: str
) -> None:
    plan = instance / "plan.toml"
    plan.write_text(
        f'title = "Cafe Social -etäkahvila"\ntopic = "Etänä"\ndate = 2026-12-01\n'
        f'language = "{language}"\n',
        "utf-8",
    )
    result = cafe("export", created(plan), "--format", "md")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"# {line}\n")


@pytest.mark.parametrize("reference", ["999", "ZZZZZZ", "no such event", "9" * 30])
def test_unknown_event_exits_2_and_writes_nothing(instance: Path, reference: str) -> None:
    created(SEED_PLAN)
    target = instance / "out.md"
    result = cafe("export", reference, "-o", str(target))

    assert result.exit_code == 2
    assert "error: no event" in result.stderr
    assert not target.exists()


def test_unwritable_target_exits_2_without_a_partial_file(instance: Path) -> None:
    code = created(SEED_PLAN)
    target = instance / "missing-folder" / "memo.md"
    result = cafe("export", code, "-o", str(target))

    assert result.exit_code == 2
    assert "error:" in result.stderr
    assert not target.parent.exists()


def test_unknown_format_is_refused(instance: Path) -> None:
    code = created(SEED_PLAN)
    result = cafe("export", code, "--format", "odt")
    assert result.exit_code == 2
    assert "odt" in result.output


def test_export_follows_the_organizers_newest_revision(instance: Path) -> None:

    code = created(OWN_PLAN)
    app = create_app()
    with app.app_context(), app.test_request_context():
        event = db.session.execute(
            select(CafeEvent).where(CafeEvent.join_code == code)
        ).scalar_one()
        memo = current_memo(event)
        form = {"topic": memo.topic, "footer": memo.footer, "intro": "Uusi avauskappale."}
        for n, opener in enumerate(memo.openers):
            form[f"talk-{n}"] = opener.talk
        for n, (title, body) in enumerate(memo.themes):
            form[f"theme-title-{n}"], form[f"theme-body-{n}"] = title, body
        save(event, 0, form, author_id=None)

    text = exported(code, "txt", instance / "edited.txt")
    assert "\n\nUusi avauskappale.\n\n" in text
