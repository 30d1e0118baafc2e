"""The minutes in the web app: the editor's revisions and stale-save check, validation,
publishing with corrections, the public archive, the review link and downloads."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from cafe.domain.errors import DomainError
from cafe.messages import message_for
from tests.conftest import EventInfo, db_snapshot, login
from tests.helpers import MEMO_PLAN, memo_form
from tests.imagefiles import photo, png


@pytest.fixture
def event(
    client: FlaskClient, make_event: Callable[..., EventInfo], make_user: Callable[..., str]
) -> EventInfo:
    """An event with openers and a typed summary; the client is logged in."""
    login(client, make_user())
    return make_event(tables=2, **MEMO_PLAN)


def review_link(client: FlaskClient, url: str) -> str:
    """The organizer creates the review link of the minutes at ``url``; its path."""
    assert client.post(f"{url}/review-link").status_code == 302
    match = re.search(r"/review/([A-Za-z0-9_-]{16,64})", page(client, url))
    assert match is not None
    return match.group(0)


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def test_editor_shows_the_draft_assembled_from_the_event_and_writes_nothing(
    app: Flask, client: FlaskClient, event: EventInfo
) -> None:
    before = db_snapshot(app)
    html = page(client, f"/events/{event.id}/minutes")

    assert "Cafe Social -keskustelukahvilan muistio 14.3.18" in html
    assert "<strong>Luottamus.</strong> Luottamus syntyy ajan kanssa." in html
    assert 'name="base" value="0"' in html
    assert "Keskustelun alustajina kokemusasiantuntija Jari Lehtonen ja Sanna Heikkilä" in html
    assert db_snapshot(app) == before


def test_each_save_is_a_revision_and_a_stale_save_keeps_the_text_and_shows_the_newer(
    client: FlaskClient, event: EventInfo
) -> None:
    url = f"/events/{event.id}/minutes"
    first = client.post(url, data=memo_form(**{"theme-body-0": "Ensimmäinen versio."}))
    assert first.status_code == 302
    second = client.post(url, data=memo_form(base="1", **{"theme-body-0": "Toinen versio."}))
    assert second.status_code == 302

    stale = client.post(url, data=memo_form(base="1", **{"theme-body-0": "Minun versioni."}))

    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    error = re.search(r'<p class="error" role="alert">([^<]*)</p>', html)
    assert error is not None
    # The conflict names the part both changed, and only that one.
    assert "Luottamus" in error.group(1) and "Kiire" not in error.group(1)
    assert "Minun versioni." in html  # the person's own text stays in the form
    assert "Toinen versio." in html  # the newer text is shown
    assert 'name="base" value="2"' in html
    history = page(client, url)
    assert "Versio 2" in history and "Versio 1" in history
    assert "Ensimmäinen versio." in page(client, f"{url}/revisions/1")


def test_a_stale_save_of_other_parts_is_merged_with_the_newer_revision(
    client: FlaskClient, event: EventInfo, app: Flask
) -> None:
    url = f"/events/{event.id}/minutes"
    assert client.post(url, data=memo_form(**{"theme-body-0": "Ensimmäinen."})).status_code == 302
    # Two organizers open revision 1; one saves the first theme and the talk notes ...
    theirs = memo_form(
        base="1", **{"theme-body-0": "Heidän tekstinsä.", "talk-0": "Heidän muistiinpanonsa."}
    )
    assert client.post(url, data=theirs).status_code == 302
    # ... the other, on revision 1 still, the second theme and the footer.
    mine = memo_form(
        base="1", **{"theme-body-0": "Ensimmäinen.", "theme-body-1": "Minun.", "footer": "Oma"}
    )

    merged = client.post(url, data=mine)

    assert merged.status_code == 302 and "merged=1" in merged.headers["Location"]
    md = client.get(f"{url}/export/md").get_data(as_text=True)
    for text in ("Heidän tekstinsä.", "Heidän muistiinpanonsa.", "**Kiire.** Minun.", "Oma"):
        assert text in md, text
    assert "Versio 3" in page(client, url)

    # A save made on revision 2 that changes the footer (which revision 3 changed too) and
    # the first theme: a conflict on the footer only; the rest is merged into the form.
    on_two = memo_form(
        base="2",
        **{"theme-body-0": "Uusi teksti.", "talk-0": "Heidän muistiinpanonsa.", "footer": "Uusi"},
    )
    clash = client.post(url, data=on_two)
    assert clash.status_code == 409
    html = clash.get_data(as_text=True)
    error = re.search(r'<p class="error" role="alert">([^<]*)</p>', html)
    assert error is not None and "Alatunniste" in error.group(1)
    assert "Luottamus" not in error.group(1) and "Kiire" not in error.group(1)
    assert 'name="base" value="3"' in html
    assert ">Uusi teksti.</textarea>" in html  # this save's own change
    assert ">Minun.</textarea>" in html  # revision 3's change, merged in
    assert ">Uusi</textarea>" in html  # the conflicting field keeps this save's text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"topic": "  "}, "topic"),
        ({"next_date": "2018-03-01"}, "Seuraavan kerran päivämäärä on ennen"),
        ({"next_date": "2018-05-02", "next_start": "16:00", "next_end": "14:00"}, "Päättymisajan"),
        ({"next_start": "14:00"}, "päivämäärä"),
        ({"next_date": "ei päivä"}, "next_date"),
        ({"theme-body-0": "x" * 20_001}, "theme-body-0"),
        ({"base": "vanha"}, "Pyyntö oli virheellinen"),
    ],
)
def test_bad_edits_get_a_message_in_finnish_and_change_nothing(
    app: Flask, client: FlaskClient, event: EventInfo, changes: dict[str, str], message: str
) -> None:
    before = db_snapshot(app)
    response = client.post(f"/events/{event.id}/minutes", data=memo_form(**changes))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db_snapshot(app) == before


def test_script_and_javascript_links_never_reach_the_preview_or_the_page(
    client: FlaskClient, event: EventInfo
) -> None:
    evil = '<script>alert(1)</script> [klikkaa](javascript:alert(2)) <img src=x onerror="y">'
    preview = client.post(f"/events/{event.id}/minutes/preview", data=memo_form(intro=evil))
    html = preview.get_json()["html"]
    assert "<script" not in html and "javascript:" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    client.post(f"/events/{event.id}/minutes", data=memo_form(intro=evil))
    saved = page(client, f"/events/{event.id}/minutes")
    assert "<script>alert(1)</script>" not in saved
    bad = client.post(f"/events/{event.id}/minutes/preview", data=memo_form(topic=""))
    assert bad.status_code == 400 and bad.get_json()["ok"] is False


def test_publish_locks_corrections_keep_the_published_text_and_the_archive_lists_it(
    client: FlaskClient, event: EventInfo, make_event: Callable[..., EventInfo]
) -> None:
    url = f"/events/{event.id}/minutes"
    assert client.get(f"/archive/{event.id}").status_code == 404
    client.post(url, data=memo_form(**{"theme-body-1": "Julkaistu teksti."}))
    assert client.post(f"{url}/publish").status_code == 302

    locked = client.post(url, data=memo_form(base="1", **{"theme-body-1": "Muutettu."}))
    assert locked.status_code == 400
    assert "julkaistu" in locked.get_data(as_text=True).lower()
    corrected = client.post(
        url,
        data=memo_form(
            base="1", correction="Korjattu kirjoitusvirhe", **{"theme-body-1": "Korjattu teksti."}
        ),
    )
    assert corrected.status_code == 302
    assert client.post(f"{url}/publish").status_code == 400  # already published

    client.post("/logout")
    public = page(client, f"/archive/{event.id}")
    assert "Korjattu teksti." in public and "Korjattu kirjoitusvirhe" in public
    original = page(client, f"/archive/{event.id}/v/1")
    assert "Julkaistu teksti." in original
    assert client.get(f"/archive/{event.id}/v/3").status_code == 404
    archive = page(client, "/archive/")
    assert "Kohtaaminen sosiaalityössä" in archive and "14.3.2018" in archive
    download = client.get(f"/archive/{event.id}/download/md")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert "Korjattu teksti." in download.get_data(as_text=True)
    assert client.get(f"/archive/{event.id}/download/exe").status_code == 404


def test_drafts_are_never_public(client: FlaskClient, event: EventInfo) -> None:
    client.post(f"/events/{event.id}/minutes", data=memo_form())
    client.post("/logout")
    assert client.get(f"/archive/{event.id}").status_code == 404
    assert client.get(f"/archive/{event.id}/download/md").status_code == 404
    assert "Kohtaaminen" not in page(client, "/archive/")
    assert client.get(f"/events/{event.id}/minutes").status_code == 302  # to the login


def test_table_hosts_review_through_a_secret_link_and_the_organizer_decides(
    app: Flask, client: FlaskClient, event: EventInfo
) -> None:
    url = f"/events/{event.id}/minutes"
    review = review_link(client, url)

    client.post("/logout")
    assert "Luottamus" in page(client, review)
    sent = client.post(review, data={"part": "intro", "text": "Lisää esimerkki <b>tähän</b>"})
    assert sent.status_code == 200 and "Kiitos" in sent.get_data(as_text=True)
    empty = client.post(review, data={"part": "", "text": "   "})
    assert empty.status_code == 400
    assert client.get("/review/" + "x" * 32).status_code == 404

    login(client, "fasilitaattori")
    editor = page(client, url)
    assert "Lisää esimerkki &lt;b&gt;tähän&lt;/b&gt;" in editor
    comment_id = re.search(r"/minutes/comments/(\d+)", editor)
    assert comment_id is not None
    done = client.post(f"{url}/comments/{comment_id.group(1)}", data={"status": "accepted"})
    assert done.status_code == 302
    assert "Hyväksytty" in page(client, url)
    bad = client.post(f"{url}/comments/{comment_id.group(1)}", data={"status": "deleted"})
    assert bad.status_code == 400


def test_a_proposed_text_is_applied_on_accepting_and_kept_out_on_dismissing(
    app: Flask, client: FlaskClient, event: EventInfo
) -> None:
    url = f"/events/{event.id}/minutes"
    review = review_link(client, url)
    trust, hurry = _summary_theme_ids(app, event.id)
    client.post("/logout")

    form_page = page(client, review)
    # Every part is offered, the talks' notes and the intro included, with its text now.
    for key in ("title", "openers_sentence", "talk-0", "talk-1", "method_sentence", "intro"):
        assert f'<option value="{key}"' in form_page, key
    assert f'<option value="theme:{trust}" data-text="Luottamus syntyy ajan kanssa."' in form_page
    proposals = [
        (f"theme:{trust}", "Luottamus syntyy ajan ja *kuulluksi tulemisen* kanssa."),
        ("talk-0", "Lehtonen kertoi omasta polustaan."),
        (f"theme:{hurry}", "Kiire ei saa estää kohtaamista."),
    ]
    for part, text in proposals:
        sent = client.post(review, data={"part": part, "text": "", "replacement": text})
        assert sent.status_code == 200, sent.get_data(as_text=True)
    general = client.post(review, data={"part": "", "replacement": "Uusi teksti"})
    assert general.status_code == 400
    gone = client.post(review, data={"part": "theme:999", "replacement": "x"})
    assert gone.status_code == 400

    login(client, "fasilitaattori")
    ids = [int(n) for n in re.findall(r"/minutes/comments/(\d+)", page(client, url))]
    assert len(ids) == 3
    for comment in ids[:2]:
        applied = client.post(f"{url}/comments/{comment}", data={"status": "accepted"})
        assert applied.status_code == 302 and "accepted=1" in applied.headers["Location"]
    dismissed = client.post(f"{url}/comments/{ids[2]}", data={"status": "dismissed"})
    assert dismissed.status_code == 302

    md = client.get(f"{url}/export/md").get_data(as_text=True)
    assert "**Luottamus.** Luottamus syntyy ajan ja *kuulluksi tulemisen* kanssa." in md
    assert "Lehtonen kertoi omasta polustaan." in md
    assert "**Kiire.** Kiire estää kohtaamisen." in md
    editor = page(client, url)
    assert editor.count("/document/revisions/") >= 1
    history = editor[editor.index('class="history"') :]
    # The newest version names the comment it applied.
    assert re.search(rf"\b{ids[1]}\b", history[: history.index("</li>")])


def test_organizer_downloads_the_draft_in_each_text_format(
    client: FlaskClient, event: EventInfo
) -> None:
    for fmt, marker in (
        ("md", "**Luottamus.**"),
        ("txt", "Luottamus. Luottamus"),
        ("html", "<strong>"),
    ):
        response = client.get(f"/events/{event.id}/minutes/export/{fmt}")
        assert response.status_code == 200
        assert marker in response.get_data(as_text=True)
    assert client.get(f"/events/{event.id}/minutes/export/odt").status_code == 404


def _summary_theme_ids(app: Flask, event_id: int) -> list[int]:
    from sqlalchemy import select

    from cafe.extensions import db
    from cafe.models import Theme

    with app.app_context():
        return list(
            db.session.execute(
                select(Theme.id).where(Theme.event_id == event_id).order_by(Theme.position)
            ).scalars()
        )


def _rewrite_theme(app: Flask, theme_id: int, body: str) -> None:
    """The facilitator goes on writing the shared summary after the draft was taken."""
    from cafe.extensions import db
    from cafe.models import Theme

    with app.app_context():
        theme = db.session.get(Theme, theme_id)
        assert theme is not None
        theme.body = body
        db.session.commit()


def test_refresh_shows_each_changed_part_and_keeps_edited_ones_unless_chosen(
    client: FlaskClient, event: EventInfo, app: Flask
) -> None:
    url = f"/events/{event.id}/minutes"
    refresh = f"/events/{event.id}/document/refresh"
    trust, hurry = _summary_theme_ids(app, event.id)
    # The organizer edits the first theme; the facilitator then rewrites both in the summary.
    assert client.post(url, data=memo_form(**{"theme-body-0": "Oma teksti."})).status_code == 302
    _rewrite_theme(app, trust, "Luottamus syntyy kuuntelemalla.")
    _rewrite_theme(app, hurry, "Kiire on rakenteellinen ongelma.")

    choices = page(client, refresh)
    assert "Oma teksti." in choices and "Luottamus syntyy kuuntelemalla." in choices
    assert "Kiire on rakenteellinen ongelma." in choices
    # Proposed: keep the edited part, take the one the organizer never touched.
    assert re.search(rf'name="choice:theme:{trust}" value="keep" checked', choices)
    assert re.search(rf'name="choice:theme:{hurry}" value="take" checked', choices)
    before = db_snapshot(app)
    assert client.get(refresh).status_code == 200 and db_snapshot(app) == before

    applied = client.post(
        refresh,
        data={"base": "1", f"choice:theme:{trust}": "keep", f"choice:theme:{hurry}": "take"},
    )
    assert applied.status_code == 302
    editor = page(client, url)
    assert "Oma teksti." in editor and "Kiire on rakenteellinen ongelma." in editor
    assert "Luottamus syntyy kuuntelemalla." not in editor

    # The declined text counts as seen: the kept part is still offered, kept by default.
    again = page(client, refresh)
    assert re.search(rf'name="choice:theme:{trust}" value="keep" checked', again)
    assert f"choice:theme:{hurry}" not in again
    stale = client.post(refresh, data={"base": "1", f"choice:theme:{trust}": "take"})
    assert stale.status_code == 409
    assert (
        client.post(refresh, data={"base": "2", f"choice:theme:{trust}": "take"}).status_code == 302
    )
    assert "Luottamus syntyy kuuntelemalla." in page(client, url)
    nothing = page(client, refresh)
    assert 'id="refresh-form"' not in nothing and 'class="notice"' in nothing


def test_any_revision_can_be_restored_as_a_new_revision(
    client: FlaskClient, event: EventInfo, app: Flask
) -> None:
    url = f"/events/{event.id}/minutes"
    assert client.post(url, data=memo_form(topic="Ensimmäinen")).status_code == 302
    assert client.post(url, data=memo_form(base="1", topic="Toinen")).status_code == 302

    restored = client.post(f"/events/{event.id}/document/revisions/1/restore", data={"base": "2"})

    assert restored.status_code == 302
    editor = page(client, url)
    assert 'value="Ensimmäinen"' in editor
    assert "Version 3" in editor or "Versio 3" in editor
    stale = client.post(f"/events/{event.id}/document/revisions/2/restore", data={"base": "2"})
    assert stale.status_code == 302 and "problem=summary_stale" in stale.headers["Location"]
    assert (
        client.post(
            f"/events/{event.id}/document/revisions/9/restore", data={"base": "3"}
        ).status_code
        == 404
    )


def test_logo_upload_is_checked_and_a_huge_one_gets_a_clear_message(
    app: Flask, client: FlaskClient, event: EventInfo
) -> None:
    url = f"/events/{event.id}/minutes/logo"
    sent = client.post(url, data={"logo": (io.BytesIO(png(60, 20)), "logo.png")})
    assert sent.status_code == 302
    assert "Poista logo" in page(client, f"/events/{event.id}/minutes")

    before = db_snapshot(app)
    big = client.post(url, data={"logo": (io.BytesIO(b"\x89PNG" + b"0" * 600_000), "iso.png")})
    assert big.status_code == 400
    assert "Logotiedosto on liian suuri" in big.get_data(as_text=True)
    text = client.post(url, data={"logo": (io.BytesIO(b"ei kuva"), "logo.png")})
    assert text.status_code == 400
    assert "PNG- tai JPEG-kuva" in text.get_data(as_text=True)
    huge = client.post(url, data={"logo": (io.BytesIO(b"0" * 3_000_000), "valtava.png")})
    assert huge.status_code == 413
    assert "Lähetys on liian suuri" in huge.get_data(as_text=True)
    assert db_snapshot(app) == before

    assert client.post(url, data={"remove": "1"}).status_code == 302
    assert "Poista logo" not in page(client, f"/events/{event.id}/minutes")


def test_a_cut_off_jpeg_logo_is_refused_as_damaged_in_the_users_language(
    app: Flask, client: FlaskClient, event: EventInfo
) -> None:
    url = f"/events/{event.id}/minutes/logo"
    whole = photo(120, 80)
    # A PDF export first: importing WeasyPrint makes Pillow tolerate cut-off images.
    assert client.get(f"/events/{event.id}/minutes/export/pdf").status_code == 200
    before = db_snapshot(app)

    cut = client.post(url, data={"logo": (io.BytesIO(whole[: len(whole) // 2]), "logo.jpg")})
    client.post("/lang/sv")
    swedish = client.post(url, data={"logo": (io.BytesIO(whole[:-300]), "logo.jpg")})

    assert cut.status_code == 400 and swedish.status_code == 400
    with app.test_request_context():
        with force_locale("fi"):
            finnish_message = message_for(DomainError("logo_damaged"))
        with force_locale("sv"):
            swedish_message = message_for(DomainError("logo_damaged"))
    assert finnish_message in cut.get_data(as_text=True)
    assert swedish_message in swedish.get_data(as_text=True)
    assert db_snapshot(app) == before
    assert client.post(url, data={"logo": (io.BytesIO(whole), "logo.jpg")}).status_code == 302


def test_a_stored_logo_that_does_not_decode_is_left_out_of_every_export_with_a_log_line(
    app: Flask, client: FlaskClient, event: EventInfo, caplog: pytest.LogCaptureFixture
) -> None:
    from cafe.extensions import db
    from cafe.models import Document

    whole = photo(120, 80)
    with app.app_context():
        # As an older version stored it, before logos were decoded whole.
        db.session.add(Document(event_id=event.id, logo=whole[:-400], logo_type="image/jpeg"))
        db.session.commit()

    for fmt in ("docx", "pdf", "html", "md"):
        got = client.get(f"/events/{event.id}/minutes/export/{fmt}")
        assert got.status_code == 200, fmt
    html = client.get(f"/events/{event.id}/minutes/export/html").text
    assert "data:image/jpeg" not in html
    assert [r.getMessage() for r in caplog.records if r.name == "cafe.minutes.export"][:1] == [
        "footer logo left out of an export: logo_damaged"
    ]
