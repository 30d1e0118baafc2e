"""The room's dot-vote in the documents: the memo carries the ranked themes (a part the
organizer may drop), the pilot report ranks the proposals with their counts; every export
format has them, PDF and Word with the chart as an image; the editor shows the vote's
voice balance; an event without a vote exports what it did before."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import pypdf
import pytest
from flask import Flask
from flask.testing import FlaskClient

from cafe.documents import operations as document_ops
from cafe.documents.kinds import kind_of
from cafe.domain.errors import DomainError
from cafe.extensions import db
from cafe.models import CafeEvent
from tests.conftest import EventInfo, Facilitator, MakeFacilitator, MakePhone, Phone, login
from tests.helpers import core, host, ok

THEMES = ("Kohtaaminen", "Osallisuus & <yhdessä>", "Asumisen tuki")
FORMATS = ("md", "txt", "html", "pdf", "docx")
PROPOSALS = ("Ohjaus jatkuu kotiin", "Vertaisryhmä kerran kuussa", "Kokemusohjaaja tiimiin")


def vote(phone: Phone, item: str, dots: int) -> None:
    """The phone puts ``dots`` on ``item`` over its socket, as the phone page does."""
    ok(phone.call("vote", {"item": item, "dots": dots}))


def voter(phone: MakePhone, ev: EventInfo, role: str) -> Phone:
    """A phone seated at the first table with ``role``."""
    made = phone(ev.code)
    assert made.join(ev.table_ids[0], role)["ok"] is True
    return made


@pytest.fixture
def voted_cafe(
    client: FlaskClient,
    make_event: Callable[..., EventInfo],
    make_user: Callable[..., str],
    phone: MakePhone,
    facilitator: MakeFacilitator,
) -> tuple[EventInfo, Facilitator, list[str]]:
    """A Cafe Social with three themes on which seven phones voted: three clients put 5 dots
    on "Asumisen tuki", three professionals 3 on "Osallisuus", one "muu" 2 on
    "Kohtaaminen"."""
    login(client, make_user())
    ev = make_event(tables=1)
    control = facilitator(ev.id)
    keys = [
        f"theme:{ok(control.call('theme_create', {'title': title}))['theme']}" for title in THEMES
    ]
    ok(control.call("phase", {"phase": "vote"}))
    for dots in (2, 2, 1):
        vote(voter(phone, ev, "asiakas"), keys[2], dots)
    for _ in range(3):
        vote(voter(phone, ev, "ammattilainen"), keys[1], 1)
    vote(voter(phone, ev, "muu"), keys[0], 2)
    return ev, control, keys


def export(client: FlaskClient, ev: EventInfo, path: str, fmt: str) -> bytes:
    """The event's document (``minutes`` or ``report``) exported in ``fmt`` over HTTP."""
    response = client.get(f"/events/{ev.id}/{path}/export/{fmt}")
    data = response.get_data()
    assert response.status_code == 200, data[:300]
    return data


def pdf_text(data: bytes) -> str:
    """The text a PDF's pages hold."""
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def docx_parts(data: bytes) -> tuple[str, list[str]]:
    """A Word file's body XML and the names of its pictures."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
        media = [name for name in archive.namelist() if name.startswith("word/media/")]
    return body, media


def test_the_memo_ranks_the_themes_by_votes_in_every_format(
    client: FlaskClient, voted_cafe: tuple[EventInfo, Facilitator, list[str]]
) -> None:
    ev = voted_cafe[0]
    md = export(client, ev, "minutes", "md").decode("utf-8")
    assert (
        "**Äänestyksen tulos:**  \n1\\. Asumisen tuki – 5 pistettä  \n"
        "2\\. Osallisuus & <yhdessä> – 3 pistettä  \n3\\. Kohtaaminen – 2 pistettä"
    ) in md
    # After the summary's themes, before the next-session line and the footer.
    assert md.index("Äänestyksen tulos") > md.index("Keskustelun yhteenvetoa")

    txt = export(client, ev, "minutes", "txt").decode("utf-8")
    assert (
        "Äänestyksen tulos:\n1. Asumisen tuki – 5 pistettä\n"
        "2. Osallisuus & <yhdessä> – 3 pistettä\n3. Kohtaaminen – 2 pistettä"
    ) in txt

    html = export(client, ev, "minutes", "html").decode("utf-8")
    assert '<figure class="votes-chart">' in html and "<svg" in html
    assert "style=" not in html.split('<figure class="votes-chart">')[1].split("</figure>")[0]
    assert "Osallisuus &amp; &lt;yhdessä&gt;" in html and "<yhdessä>" not in html

    text = " ".join(pdf_text(export(client, ev, "minutes", "pdf")).split())
    assert "1. Asumisen tuki – 5 pistettä" in text
    # The chart's own texts are text in the PDF (inline SVG), not pixels.
    assert "Pisteet" in text

    body, media = docx_parts(export(client, ev, "minutes", "docx"))
    assert "Äänestyksen tulos:" in body and "Asumisen tuki – 5 pistettä" in body
    assert len(media) == 1 and media[0].endswith(".png")
    assert re.search(r'descr="Äänestyksen tulos; 1\. Asumisen tuki — Pisteet: 5', body)


def test_the_organizer_may_drop_the_ranking_and_keep_it_again(
    app: Flask, client: FlaskClient, voted_cafe: tuple[EventInfo, Facilitator, list[str]]
) -> None:
    ev = voted_cafe[0]
    with app.app_context():
        event = db.session.get(CafeEvent, ev.id)
        assert event is not None
        kind = kind_of(event)
        values = kind.form_values(kind.current(event))
        assert values["votes"] == "keep"
        document_ops.save(event, 0, {**values, "votes": "drop"}, author_id=None)
        kept = kind.current(event)
        assert kept.votes and not kept.votes_shown
    md = export(client, ev, "minutes", "md").decode("utf-8")
    assert "Äänestyksen tulos" not in md and "pistettä" not in md
    _, media = docx_parts(export(client, ev, "minutes", "docx"))
    assert media == []
    with app.app_context():
        event = db.session.get(CafeEvent, ev.id)
        assert event is not None
        with pytest.raises(DomainError) as refused:
            document_ops.save(event, 1, {**values, "votes": "maybe"}, author_id=None)
        assert refused.value.code == "bad_request"
        document_ops.save(event, 1, {**values, "votes": "keep"}, author_id=None)
    assert "Äänestyksen tulos" in export(client, ev, "minutes", "md").decode("utf-8")


def test_a_vote_after_the_first_save_is_offered_when_taking_the_summary_in_again(
    app: Flask,
    client: FlaskClient,
    make_event: Callable[..., EventInfo],
    make_user: Callable[..., str],
    phone: MakePhone,
    facilitator: MakeFacilitator,
) -> None:
    login(client, make_user())
    ev = make_event(tables=1)
    control = facilitator(ev.id)
    key = f"theme:{ok(control.call('theme_create', {'title': 'Kohtaaminen'}))['theme']}"
    with app.app_context():
        event = db.session.get(CafeEvent, ev.id)
        assert event is not None
        kind = kind_of(event)
        document_ops.save(event, 0, kind.form_values(kind.current(event)), author_id=None)
    ok(control.call("phase", {"phase": "vote"}))
    vote(voter(phone, ev, "asiakas"), key, 2)

    page = client.get(f"/events/{ev.id}/document/refresh?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ranked themes with votes" in html and "1. Kohtaaminen – 2 dots" in html
    with app.app_context():
        event = db.session.get(CafeEvent, ev.id)
        assert event is not None
        document_ops.refresh(event, 1, ["votes"], author_id=None)
    assert "1\\. Kohtaaminen – 2 pistettä" in export(client, ev, "minutes", "md").decode()


def test_the_editor_shows_the_votes_voice_balance_without_small_groups(
    client: FlaskClient, voted_cafe: tuple[EventInfo, Facilitator, list[str]]
) -> None:
    ev = voted_cafe[0]
    page = client.get(f"/events/{ev.id}/minutes?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    balance = html.split('id="vote-balance"')[1].split("</details>")[0]
    heads = re.findall(r'<th scope="col">([^<]*)', balance)
    # The one "muu" phone is hidden, and with it the clients, the smallest group shown:
    # everyone's dots minus the professionals' would otherwise be that one phone's.
    assert [h.strip() for h in heads] == ["Item", "Everyone", "professional"]
    rows = re.findall(r'<th scope="row">([^<]*)</th>\s*<td>(\d+)</td>\s*<td>(\d+)', balance)
    assert [(label.strip(), int(a), int(b)) for label, a, b in rows] == [
        ("1. Asumisen tuki", 5, 0),
        ("2. Osallisuus &amp; &lt;yhdessä&gt;", 3, 3),
        ("3. Kohtaaminen", 2, 0),
    ]
    assert "No phone voted with: experience expert, student, no role." in balance
    assert "Not shown: client, other (fewer than 3 phones" in balance
    # Never in the document itself.
    assert "professional" not in export(client, ev, "minutes", "md").decode("utf-8")


@pytest.fixture
def voted_workshop(
    client: FlaskClient,
    make_event: Callable[..., EventInfo],
    make_user: Callable[..., str],
    phone: MakePhone,
    facilitator: MakeFacilitator,
) -> EventInfo:
    """A co-development workshop whose room voted on three development proposals."""
    login(client, make_user())
    ev = make_event(tables=1, topic="Kokemusohjauksen pilotti", template="co-development")
    control = facilitator(ev.id)
    writer = host(phone, ev.code, ev.table_ids[0], "työntekijä")
    ok(control.call("phase", {"phase": "proposals"}))
    for text in PROPOSALS:
        core(writer, text)
    ok(control.call("phase", {"phase": "vote"}))
    for dots in ((0, 2, 1), (0, 2, 0), (1, 1, 0)):
        made = voter(phone, ev, "asiakas")
        # The items as the phone lists them: the proposals section's core ideas.
        items = {
            item["label"]: item["key"] for item in ok(made.call("sync"))["state"]["vote"]["items"]
        }
        for text, count in zip(PROPOSALS, dots, strict=True):
            if count:
                vote(made, items[text], count)
    return ev


def test_the_report_orders_the_proposals_by_votes_with_counts(
    client: FlaskClient, voted_workshop: EventInfo
) -> None:
    ev = voted_workshop
    md = export(client, ev, "report", "md").decode("utf-8")
    ranking = md.split("**Kehittämisehdotukset äänestyksen mukaan:**")[1]
    assert ranking.index("Vertaisryhmä kerran kuussa – 5 pistettä") < ranking.index(
        "Kokemusohjaaja tiimiin – 1 piste"
    )
    assert "1\\. Vertaisryhmä kerran kuussa – 5 pistettä" in ranking
    assert "2\\. Kokemusohjaaja tiimiin – 1 piste" in ranking
    assert "2\\. Ohjaus jatkuu kotiin – 1 piste" in ranking  # equal dots share the rank
    # Under the results heading.
    assert md.index("Kehittämisehdotukset äänestyksen mukaan") > md.index(
        "Palvelupilotin tulokset ja jatkokehittäminen"
    )
    txt = export(client, ev, "report", "txt").decode("utf-8")
    assert "1. Vertaisryhmä kerran kuussa – 5 pistettä" in txt
    html = export(client, ev, "report", "html").decode("utf-8")
    assert '<figure class="votes-chart">' in html
    text = " ".join(pdf_text(export(client, ev, "report", "pdf")).split())
    assert "1. Vertaisryhmä kerran kuussa – 5 pistettä" in text and "Pisteet" in text
    body, media = docx_parts(export(client, ev, "report", "docx"))
    assert "Vertaisryhmä kerran kuussa – 5 pistettä" in body
    # The chart's picture (no process steps here, so no diagram beside it).
    assert len(media) == 1


def test_without_a_vote_the_documents_have_no_ranking(
    client: FlaskClient,
    make_event: Callable[..., EventInfo],
    make_user: Callable[..., str],
    facilitator: MakeFacilitator,
) -> None:
    login(client, make_user())
    ev = make_event(tables=1)
    control = facilitator(ev.id)
    ok(control.call("theme_create", {"title": "Kohtaaminen"}))
    ok(control.call("phase", {"phase": "vote"}))  # voting opened, nobody voted
    for fmt in FORMATS:
        data = export(client, ev, "minutes", fmt)
        if fmt in ("md", "txt", "html"):
            assert "Äänestyksen tulos" not in data.decode("utf-8")
    _, media = docx_parts(export(client, ev, "minutes", "docx"))
    assert media == []
    page = client.get(f"/events/{ev.id}/minutes").get_data(as_text=True)
    assert 'id="vote-balance"' not in page
