"""The minutes in the web app: the editor's revisions and stale-save check, validation,
publishing with corrections, the public archive, the review link and downloads."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import EventInfo, db_snapshot, login
from tests.imagefiles import png

PLAN = {
    "topic": "Kohtaaminen sosiaalityössä",
    "date": "2018-03-14",
    "openers": [
        {"name": "Jari Lehtonen", "title": "kokemusasiantuntija", "talk": "Lehtonen kertoi."},
        {"name": "Sanna Heikkilä", "organisation": "Jyväskylän kaupunki"},
    ],
    "summary": {
        "themes": [
            {"title": "Luottamus", "body": "Luottamus syntyy ajan kanssa."},
            {"title": "Kiire", "body": "Kiire estää kohtaamisen."},
        ]
    },
}


@pytest.fixture
def event(
    client: FlaskClient, make_event: Callable[..., EventInfo], make_user: Callable[..., str]
) -> EventInfo:
    """An event with openers and a typed summary; the client is logged in."""
    login(client, make_user())
    return make_event(tables=2, **PLAN)


def form(**changes: str) -> dict[str, str]:
    """The editor's fields for the event above, as a browser posts them."""
    fields = {
        "base": "0",
        "title": "",
        "topic": "Kohtaaminen sosiaalityössä",
        "openers_sentence": "",
        "talk-0": "Lehtonen kertoi.",
        "talk-1": "",
        "method_sentence": "",
        "intro": "",
        "theme-title-0": "Luottamus",
        "theme-body-0": "Luottamus syntyy ajan kanssa.",
        "theme-title-1": "Kiire",
        "theme-body-1": "Kiire estää kohtaamisen.",
        "next_date": "",
        "next_start": "",
        "next_end": "",
        "footer": "Rahoittaja",
    }
    fields.update(changes)
    return fields


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
    first = client.post(url, data=form(**{"theme-body-0": "Ensimmäinen versio."}))
    assert first.status_code == 302
    second = client.post(url, data=form(base="1", **{"theme-body-0": "Toinen versio."}))
    assert second.status_code == 302

    stale = client.post(url, data=form(base="1", **{"theme-body-0": "Minun versioni."}))

    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Muokattu välillä" in html
    assert "Minun versioni." in html  # the person's own text stays in the form
    assert "Toinen versio." in html  # the newer text is shown
    assert 'name="base" value="2"' in html
    history = page(client, url)
    assert "Versio 2" in history and "Versio 1" in history
    assert "Ensimmäinen versio." in page(client, f"{url}/revisions/1")


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
    response = client.post(f"/events/{event.id}/minutes", data=form(**changes))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db_snapshot(app) == before


def test_script_and_javascript_links_never_reach_the_preview_or_the_page(
    client: FlaskClient, event: EventInfo
) -> None:
    evil = '<script>alert(1)</script> [klikkaa](javascript:alert(2)) <img src=x onerror="y">'
    preview = client.post(f"/events/{event.id}/minutes/preview", data=form(intro=evil))
    html = preview.get_json()["html"]
    assert "<script" not in html and "javascript:" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    client.post(f"/events/{event.id}/minutes", data=form(intro=evil))
    saved = page(client, f"/events/{event.id}/minutes")
    assert "<script>alert(1)</script>" not in saved
    bad = client.post(f"/events/{event.id}/minutes/preview", data=form(topic=""))
    assert bad.status_code == 400 and bad.get_json()["ok"] is False


def test_publish_locks_corrections_keep_the_published_text_and_the_archive_lists_it(
    client: FlaskClient, event: EventInfo, make_event: Callable[..., EventInfo]
) -> None:
    url = f"/events/{event.id}/minutes"
    assert client.get(f"/archive/{event.id}").status_code == 404
    client.post(url, data=form(**{"theme-body-1": "Julkaistu teksti."}))
    assert client.post(f"{url}/publish").status_code == 302

    locked = client.post(url, data=form(base="1", **{"theme-body-1": "Muutettu."}))
    assert locked.status_code == 400
    assert "julkaistu" in locked.get_data(as_text=True).lower()
    corrected = client.post(
        url,
        data=form(
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
    client.post(f"/events/{event.id}/minutes", data=form())
    client.post("/logout")
    assert client.get(f"/archive/{event.id}").status_code == 404
    assert client.get(f"/archive/{event.id}/download/md").status_code == 404
    assert "Kohtaaminen" not in page(client, "/archive/")
    assert client.get(f"/events/{event.id}/minutes").status_code == 302  # to the login


def test_table_hosts_review_through_a_secret_link_and_the_organizer_decides(
    app: Flask, client: FlaskClient, event: EventInfo
) -> None:
    url = f"/events/{event.id}/minutes"
    assert client.post(f"{url}/review-link").status_code == 302
    match = re.search(r"/review/([A-Za-z0-9_-]{16,64})", page(client, url))
    assert match is not None
    review = match.group(0)

    client.post("/logout")
    assert "Luottamus" in page(client, review)
    sent = client.post(review, data={"part": "Luottamus", "text": "Lisää esimerkki <b>tähän</b>"})
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


def test_refresh_takes_in_the_shared_summary_again(
    client: FlaskClient, event: EventInfo, app: Flask
) -> None:
    url = f"/events/{event.id}/minutes"
    client.post(url, data=form(**{"theme-body-0": "Vanha."}))
    assert client.post(f"{url}/refresh", data={"base": "1"}).status_code == 302
    assert "Luottamus syntyy ajan kanssa." in page(client, url)
    stale = client.post(f"{url}/refresh", data={"base": "1"})
    assert stale.status_code == 409


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
