"""Gathering through the ``/facilitator`` namespace: core ideas become items, items go into
themes and merge, the summary text is saved as revisions with the stale-save check, and
boards and phones follow the live summary."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import (
    EventInfo,
    Facilitator,
    MakeBoard,
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    Phone,
    ack_error,
    db_snapshot,
    fill,
    refused_changing_nothing,
    seated,
)
from tests.helpers import core, gathering, host, item_of, ok, two_tables

__all__ = ["two_tables"]  # the fixture, used by name

# --- items -------------------------------------------------------------------------------


def test_every_visible_core_idea_becomes_one_unthemed_item_with_its_trace(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
) -> None:
    ev, first, second, control = two_tables
    core(first, "Kokemusasiantuntijat mukaan suunnitteluun")
    first.post("Tavallinen ajatus, ei ydinajatus")
    hidden = core(second, "Piilotettava")
    core(second, "Asiakas on oman elämänsä asiantuntija")
    ok(control.call("hide", {"id": hidden, "hidden": True}))

    state = gathering(control)
    again = gathering(control)

    assert state["themes"] == []
    assert [i["text"] for i in state["loose"]] == [
        "Kokemusasiantuntijat mukaan suunnitteluun",
        "Asiakas on oman elämänsä asiantuntija",
    ]
    assert [i["tables"] for i in state["loose"]] == [["Pöytä 1"], ["Pöytä 2"]]
    assert [i["id"] for i in again["loose"]] == [i["id"] for i in state["loose"]]
    assert state["summary"] == {"intro": "", "themes": []}


def test_items_dragged_into_a_theme_reach_board_and_phones_live(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
    board: MakeBoard,
    phone: MakePhone,
) -> None:
    ev, first, second, control = two_tables
    core(first, "Osallisuus syntyy kohtaamisista")
    core(second, "Matalan kynnyksen paikat")
    projector = board(ev.board_token)
    listener = seated(phone, ev.code, ev.table_ids[2])
    state = gathering(control)
    a, b = (
        item_of(state, t)["id"]
        for t in ("Osallisuus syntyy kohtaamisista", "Matalan kynnyksen paikat")
    )
    theme = ok(control.call("theme_create", {"title": "Osallisuuden mahdollistaminen"}))["theme"]
    control.received()
    projector.received()

    ok(control.call("item_move", {"item": b, "theme": theme, "index": 0}))
    ok(control.call("item_move", {"item": a, "theme": theme, "index": 0}))

    expected = {
        "intro": "",
        "themes": [
            {
                "id": theme,
                "html": "<p><strong>Osallisuuden mahdollistaminen.</strong></p>",
                "items": ["Osallisuus syntyy kohtaamisista", "Matalan kynnyksen paikat"],
            }
        ],
    }
    assert projector.received("summary")[-1] == expected
    assert listener.received("summary")[-1] == expected
    pushed = control.received("gathering")[-1]
    assert [i["id"] for i in pushed["themes"][0]["items"]] == [a, b]
    assert pushed["loose"] == []
    assert projector.call("sync")["state"]["summary"] == expected
    assert listener.call("sync")["state"]["summary"] == expected


def test_items_of_another_event_cannot_be_touched(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
    make_event: MakeEvent,
    facilitator: MakeFacilitator,
) -> None:
    ev, first, _, control = two_tables
    core(first, "Oma ajatus")
    item = gathering(control)["loose"][0]["id"]
    other = facilitator(make_event().id)
    theme = ok(other.call("theme_create", {"title": "Toinen"}))["theme"]

    assert ack_error(other.call("item_move", {"item": item, "theme": None})) == "unknown_item"
    assert ack_error(control.call("item_move", {"item": item, "theme": theme})) == ("unknown_theme")
    assert ack_error(control.call("theme_delete", {"theme": theme})) == "unknown_theme"


def test_merged_duplicates_become_one_item_that_remembers_both_tables(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
) -> None:
    ev, first, second, control = two_tables
    one = core(first, "Vertaistuki kantaa")
    other = core(second, "Vertaistuesta saa voimaa")
    state = gathering(control)
    a = item_of(state, "Vertaistuki kantaa")["id"]
    b = item_of(state, "Vertaistuesta saa voimaa")["id"]

    assert ok(control.call("item_merge", {"item": b, "into": a}))["item"] == a
    merged = gathering(control)

    assert len(merged["loose"]) == 1
    item = merged["loose"][0]
    assert item["id"] == a and item["text"] == "Vertaistuki kantaa"
    assert [s["id"] for s in item["sources"]] == [one, other]
    assert item["tables"] == ["Pöytä 1", "Pöytä 2"]
    assert ack_error(control.call("item_merge", {"item": a, "into": a})) == "merge_same"
    assert ack_error(control.call("item_merge", {"item": b, "into": a})) == "unknown_item"

    ok(control.call("item_text", {"item": a, "text": "Vertaistuki antaa voimaa"}))
    assert gathering(control)["loose"][0]["text"] == "Vertaistuki antaa voimaa"
    separate = ok(control.call("item_split", {"item": a, "source": other}))["item"]
    split = gathering(control)
    assert [(i["id"], i["tables"]) for i in split["loose"]] == [
        (a, ["Pöytä 1"]),
        (separate, ["Pöytä 2"]),
    ]
    assert ack_error(control.call("item_split", {"item": a, "source": one})) == "not_merged"
    ok(control.call("item_text", {"item": a, "text": None}))
    assert item_of(gathering(control), "Vertaistuki kantaa")["rewritten"] is False


def test_a_phone_changing_a_gathered_idea_updates_the_summary(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator], board: MakeBoard
) -> None:
    ev, first, _, control = two_tables
    post = core(first, "Kuulluksi tuleminen")
    item = gathering(control)["loose"][0]["id"]
    theme = ok(control.call("theme_create", {"title": "Kohtaaminen", "items": [item]}))["theme"]
    projector = board(ev.board_token)

    ok(first.call("edit", {"id": post, "text": "Kuulluksi tuleminen on tärkeää"}))
    assert projector.received("summary")[-1]["themes"][0]["items"] == [
        "Kuulluksi tuleminen on tärkeää"
    ]
    ok(first.call("mark_core", {"id": post, "core": False}))
    assert projector.received("summary")[-1]["themes"][0]["items"] == []
    ok(first.call("mark_core", {"id": post, "core": True}))
    assert projector.received("summary")[-1]["themes"][0]["items"] == [
        "Kuulluksi tuleminen on tärkeää"
    ]
    assert gathering(control)["themes"][0]["id"] == theme


# --- themes and revisions ----------------------------------------------------------------


def test_theme_text_is_saved_as_revisions_and_a_stale_save_is_refused_with_the_newer_text(
    app: Flask, two_tables: tuple[EventInfo, Phone, Phone, Facilitator], board: MakeBoard
) -> None:
    ev, _, _, control = two_tables
    theme = ok(control.call("theme_create", {"title": "Asiakkuus murroksessa"}))["theme"]
    projector = board(ev.board_token)
    body = "Asiakas nähdään yhä useammin *kumppanina*."

    saved = ok(
        control.call(
            "theme_save",
            {"theme": theme, "base": 1, "title": "Asiakkuus murroksessa", "body": body},
        )
    )
    assert saved["revision"] == 2
    assert projector.received("summary")[-1]["themes"][0]["html"] == (
        "<p><strong>Asiakkuus murroksessa.</strong> Asiakas nähdään yhä useammin "
        "<em>kumppanina</em>.</p>"
    )
    before = db_snapshot(app)
    stale = control.call(
        "theme_save", {"theme": theme, "base": 1, "title": "Toinen otsikko", "body": "Vanha pohja"}
    )

    assert stale["ok"] is False and stale["error"] == "summary_stale"
    assert stale["message"]
    assert stale["current"] == {
        "theme": theme,
        "title": "Asiakkuus murroksessa",
        "body": body,
        "revision": 2,
    }
    assert db_snapshot(app) == before
    assert projector.received("summary") == []
    history = ok(control.call("history", {"theme": theme}))["revisions"]
    assert [(r["revision"], r["body"]) for r in history] == [(2, body), (1, "")]


def test_unchanged_save_stores_no_revision_and_markdown_is_sanitised(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
) -> None:
    _, _, _, control = two_tables
    theme = ok(control.call("theme_create", {"title": "Turvallisuus"}))["theme"]
    body = 'Klikkaa [tästä](javascript:alert(1)) <script>alert("x")</script> **rohkeasti**'
    ok(
        control.call(
            "theme_save", {"theme": theme, "base": 1, "title": "Turvallisuus", "body": body}
        )
    )
    assert (
        ok(
            control.call(
                "theme_save", {"theme": theme, "base": 2, "title": "Turvallisuus", "body": body}
            )
        )["revision"]
        == 2
    )

    html = gathering(control)["summary"]["themes"][0]["html"]
    assert "<script" not in html and "javascript:" not in html
    assert "<strong>rohkeasti</strong>" in html
    assert "&lt;script&gt;" in html
    assert len(ok(control.call("history", {"theme": theme}))["revisions"]) == 2


def test_intro_paragraphs_come_before_the_themes_with_their_own_revisions(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
) -> None:
    _, _, _, control = two_tables
    ok(control.call("theme_create", {"title": "Sosku-hanke"}))
    intro = "Keskustelussa korostui yhdessä tekeminen.\n\nToinen kappale."

    assert ok(control.call("intro_save", {"base": 0, "body": intro}))["revision"] == 1
    stale = control.call("intro_save", {"base": 0, "body": "Myöhästynyt"})
    assert stale["error"] == "summary_stale"
    assert stale["current"] == {"theme": None, "title": "", "body": intro, "revision": 1}

    state = gathering(control)
    assert state["intro"] == {"body": intro, "revision": 1, "findings": []}
    assert state["summary"]["intro"] == (
        "<p>Keskustelussa korostui yhdessä tekeminen.</p>\n<p>Toinen kappale.</p>"
    )
    assert [r["revision"] for r in ok(control.call("history", {"theme": None}))["revisions"]] == [1]


def test_themes_reorder_and_a_deleted_themes_items_return_unthemed(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
) -> None:
    _, first, second, control = two_tables
    core(first, "Ensimmäinen")
    core(second, "Toinen")
    state = gathering(control)
    items = [i["id"] for i in state["loose"]]
    a = ok(control.call("theme_create", {"title": "A", "items": items}))["theme"]
    b = ok(control.call("theme_create", {"title": "B"}))["theme"]
    c = ok(control.call("theme_create", {"title": "C"}))["theme"]

    ok(control.call("theme_move", {"theme": c, "index": 0}))
    assert [t["id"] for t in gathering(control)["themes"]] == [c, a, b]
    ok(control.call("theme_move", {"theme": c, "index": 99}))
    assert [t["id"] for t in gathering(control)["themes"]] == [a, b, c]
    ok(control.call("theme_delete", {"theme": a}))
    after = gathering(control)
    assert [t["id"] for t in after["themes"]] == [b, c]
    assert [i["id"] for i in after["loose"]] == items
    stale = control.call("theme_save", {"theme": a, "base": 1, "title": "A", "body": ""})
    assert ack_error(stale) == "unknown_theme"


def test_themes_created_after_deleting_the_newest_get_new_ids_and_their_own_history(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
) -> None:
    _, _, _, control = two_tables
    ok(control.call("theme_create", {"title": "Pysyvä"}))
    newest = ok(control.call("theme_create", {"title": "Poistettava"}))["theme"]
    ok(
        control.call(
            "theme_save", {"theme": newest, "base": 1, "title": "Poistettava", "body": "x"}
        )
    )
    ok(control.call("theme_delete", {"theme": newest}))

    first = ok(control.call("theme_create", {"title": "Uusi"}))["theme"]
    second = ok(control.call("theme_create", {"title": "Toinen uusi"}))["theme"]

    assert newest not in (first, second)
    assert [t["title"] for t in gathering(control)["themes"]] == ["Pysyvä", "Uusi", "Toinen uusi"]
    history = ok(control.call("history", {"theme": first}))["revisions"]
    assert [(r["revision"], r["title"]) for r in history] == [(1, "Uusi")]


def test_draft_paragraph_is_built_from_the_items_of_the_theme(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
) -> None:
    _, first, second, control = two_tables
    core(first, "arjen tuki")
    core(second, "Kuunteleminen!")
    items = [i["id"] for i in gathering(control)["loose"]]
    theme = ok(control.call("theme_create", {"title": "Tuki", "items": items}))["theme"]

    assert ok(control.call("theme_draft", {"theme": theme}))["text"] == (
        "Arjen tuki. Kuunteleminen!"
    )


# --- suggestions -------------------------------------------------------------------------


def test_suggestions_group_unthemed_items_and_name_the_analyser(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
) -> None:
    _, first, second, control = two_tables
    assert ack_error(control.call("suggest")) == "nothing_to_suggest"
    for text in ("Vertaistuki auttaa jaksamaan", "Vertaistuesta saa voimaa arkeen"):
        core(first, text)
    for text in ("Asunnottomuus on rakenteellinen ongelma", "Asunnottomuuden ehkäisy ajoissa"):
        core(second, text)

    ack = ok(control.call("suggest"))

    assert ack["mode"] in ("voikko", "snowball")
    ids = {i["text"]: i["id"] for i in gathering(control)["loose"]}
    assert all(len(s["items"]) >= 2 for s in ack["suggestions"])
    suggested = [s for s in ack["suggestions"] if ids["Vertaistuki auttaa jaksamaan"] in s["items"]]
    assert suggested and ids["Vertaistuesta saa voimaa arkeen"] in suggested[0]["items"]
    assert all(s["title"] for s in ack["suggestions"])


def test_suggestions_make_no_group_of_the_events_topic(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    """The event's topic is in every idea: its words alone make no suggested group."""
    ev = make_event(tables=1, topic="Nuorten tavoitteet")
    writer = host(phone, ev.code, ev.table_ids[0])
    for text in ("oma asunto", "kesätyöpaikka", "uusi harrastus", "velaton elämä"):
        core(writer, f"Nuoren tavoitteena {text}")

    ack = ok(facilitator(ev.id).call("suggest"))

    assert ack["suggestions"] == []


# --- voice balance -----------------------------------------------------------------------


def test_voice_balance_counts_per_table_and_role_and_hides_small_roles(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=2, role_tags=["asiakas", "ammattilainen"])
    writer = host(phone, ev.code, ev.table_ids[0], "asiakas")
    clients = [seated(phone, ev.code, ev.table_ids[0]) for _ in range(2)]
    for client in clients:
        assert client.join(ev.table_ids[0], "asiakas")["ok"] is True
        client.post("Asiakkaan ajatus")
    worker = seated(phone, ev.code, ev.table_ids[1])
    assert worker.join(ev.table_ids[1], "ammattilainen")["ok"] is True
    worker.post("Työntekijän ajatus")
    core(writer, "Asiakkaan ydinajatus")
    core(writer, "Toinen ydinajatus")
    control = facilitator(ev.id)
    state = gathering(control)
    themed = item_of(state, "Asiakkaan ydinajatus")["id"]
    ok(control.call("theme_create", {"title": "Ääni", "items": [themed]}))

    balance = gathering(control)["balance"]

    assert balance["tables"] == [
        {"id": ev.table_ids[0], "name": "Pöytä 1", "posts": 4, "core": 2, "themed": 1},
        {"id": ev.table_ids[1], "name": "Pöytä 2", "posts": 1, "core": 0, "themed": 0},
    ]
    # One professional is too few, and the tables' sum minus the clients would be their
    # figures: the clients hide too. Nobody posted without a tag, which is safe to say.
    assert balance["roles"] == [
        {"role": "asiakas", "counts": None},
        {"role": "ammattilainen", "counts": None},
        {"role": None, "counts": {"posts": 0, "core": 0, "themed": 0}},
    ]


# --- bad input ---------------------------------------------------------------------------


@pytest.fixture
def gathered(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator], board: MakeBoard
) -> tuple[Facilitator, list[Phone], dict[str, Any]]:
    """A theme with one item, a loose item, and watchers; slots for the payloads."""
    ev, first, second, control = two_tables
    core(first, "Yksi")
    core(second, "Kaksi")
    items = [i["id"] for i in gathering(control)["loose"]]
    theme = ok(control.call("theme_create", {"title": "Teema", "items": items[:1]}))["theme"]
    projector = board(ev.board_token)
    for client in (control, first, second, projector):
        client.received()
    return (
        control,
        [first, second, projector],
        {"<theme>": theme, "<item>": items[0], "<loose>": items[1]},
    )


@pytest.mark.parametrize(
    ("event", "payload", "error"),
    [
        ("theme_create", {}, "text_invalid"),
        ("theme_create", {"title": "   "}, "text_empty"),
        ("theme_create", {"title": "x" * 201}, "text_too_long"),
        ("theme_create", {"title": "T", "items": "<loose>"}, "bad_request"),
        ("theme_create", {"title": "T", "items": [999999]}, "unknown_item"),
        ("theme_save", {"theme": "<theme>", "base": "1", "title": "T", "body": ""}, "bad_request"),
        ("theme_save", {"theme": "<theme>", "base": True, "title": "T", "body": ""}, "bad_request"),
        ("theme_save", {"theme": "<theme>", "base": 1, "title": "T", "body": 5}, "text_invalid"),
        (
            "theme_save",
            {"theme": "<theme>", "base": 1, "title": "T", "body": "x" * 10_001},
            "text_too_long",
        ),
        ("theme_save", {"theme": "<theme>", "base": 1, "title": None, "body": ""}, "text_invalid"),
        # Beyond 64 bits: refused before any handler (cafe/wire.py).
        ("theme_save", {"theme": 2**70, "base": 1, "title": "T", "body": ""}, "bad_request"),
        ("theme_save", {"theme": 2**63 - 1, "base": 1, "title": "T", "body": ""}, "unknown_theme"),
        ("theme_save", {"theme": None, "base": 1, "title": "T", "body": ""}, "unknown_theme"),
        ("theme_move", {"theme": "<theme>", "index": "1"}, "bad_request"),
        ("theme_delete", {"theme": "1"}, "unknown_theme"),
        ("theme_draft", {"theme": -1}, "unknown_theme"),
        ("history", {"theme": []}, "unknown_theme"),
        ("intro_save", {"base": -1, "body": "x"}, "bad_request"),
        ("intro_save", {"base": 0, "body": "x" * 20_001}, "text_too_long"),
        ("intro_save", {"base": 0, "body": None}, "text_invalid"),
        ("item_move", {"item": "<item>", "theme": "<theme>", "index": 1.5}, "bad_request"),
        ("item_move", {"item": "<item>", "theme": "x"}, "unknown_theme"),
        ("item_move", {"item": True, "theme": None}, "unknown_item"),
        ("item_merge", {"item": "<item>", "into": "<item>"}, "merge_same"),
        ("item_merge", {"item": "<item>", "into": 0}, "unknown_item"),
        ("item_split", {"item": "<item>", "source": "nope"}, "unknown_source"),
        ("item_text", {"item": "<item>", "text": ""}, "text_empty"),
        ("item_text", {"item": "<item>", "text": ["x"]}, "text_invalid"),
        ("item_text", {"item": "<item>", "text": "x" * 1001}, "text_too_long"),
    ],
)
def test_malformed_gathering_payload_is_refused_and_changes_nothing(
    app: Flask,
    gathered: tuple[Facilitator, list[Phone], dict[str, Any]],
    event: str,
    payload: Any,
    error: str,
) -> None:
    control, watchers, slots = gathered
    refused_changing_nothing(app, control, watchers, event, fill(payload, slots), error)


@pytest.mark.parametrize("event", ["gather_sync", "theme_create", "item_move", "suggest"])
def test_gathering_needs_a_logged_in_facilitator(
    make_event: MakeEvent, facilitator: MakeFacilitator, event: str
) -> None:
    anonymous = facilitator(make_event().id, logged_in=False)
    assert not anonymous.connected


def test_an_item_may_be_reworded_at_length_on_several_lines(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
) -> None:
    _, first, _, control = two_tables
    core(first, "Lyhyt")
    item = gathering(control)["loose"][0]["id"]
    longer = "Pitkä muotoilu. " * 50 + "\nToinen rivi"
    ok(control.call("item_text", {"item": item, "text": longer}))
    assert gathering(control)["loose"][0]["text"] == longer.strip()


def test_a_theme_whose_title_is_emptied_becomes_an_unheaded_paragraph(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
) -> None:
    _, _, _, control = two_tables
    theme = ok(control.call("theme_create", {"title": "Väliaikainen"}))["theme"]
    body = "Yhteinen keskustelu on tärkeää!"
    ok(control.call("theme_save", {"theme": theme, "base": 1, "title": " ", "body": body}))
    summary = gathering(control)["summary"]
    assert summary["themes"][0]["html"] == "<p>Yhteinen keskustelu on tärkeää!</p>"


def test_a_workshop_gathers_themes_per_section_and_numbers_the_process_steps(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator, board: MakeBoard
) -> None:
    ev = make_event(tables=1, template="co-development")
    control = facilitator(ev.id)
    writer = host(phone, ev.code, ev.table_ids[0])
    control.call("phase", {"phase": "worked"})
    worked = core(writer, "Kokemusohjaaja lähti mukaan ensitapaamiseen")
    control.call("phase", {"phase": "process"})
    core(writer, "Sosiaalityöntekijä arvioi palvelutarpeen")
    state = gathering(control)
    assert [s["id"] for s in state["sections"]] == [
        "goal",
        "process",
        "worked",
        "change",
        "proposals",
    ]
    step_item = item_of(state, "Sosiaalityöntekijä arvioi palvelutarpeen")
    assert step_item["section"] == "process"
    assert (
        next(s for p in [state] for s in p["loose"] if s["sources"][0]["id"] == worked)["section"]
        == "worked"
    )

    ok(control.call("theme_create", {"title": "Kokeilu toimi", "section": "worked"}))
    first = ok(
        control.call(
            "theme_create",
            {"title": "Palvelutarpeen arviointi", "section": "process", "items": [step_item["id"]]},
        )
    )["theme"]
    second = ok(control.call("theme_create", {"title": "Ensitapaaminen", "section": "process"}))
    assert ack_error(control.call("theme_create", {"title": "X", "section": "muu"})) == (
        "unknown_section"
    )

    summary = board(ev.board_token).call("sync")["state"]["summary"]
    assert [(t["section"], t["step"]) for t in summary["themes"]] == [
        ("process", 1),
        ("process", 2),
        ("worked", None),
    ]
    assert summary["themes"][0]["id"] == first and summary["themes"][1]["id"] == second["theme"]
    assert summary["themes"][0]["section_label"] and summary["themes"][0]["items"] == [
        "Sosiaalityöntekijä arvioi palvelutarpeen"
    ]


def test_a_cafe_social_has_one_summary_without_sections(
    two_tables: tuple[EventInfo, Phone, Phone, Facilitator],
) -> None:
    _, _, _, control = two_tables
    assert gathering(control)["sections"] == []
    assert ack_error(control.call("theme_create", {"title": "T", "section": "ideas"})) == (
        "unknown_section"
    )


@pytest.mark.parametrize("section", [[], ["goal"], {"id": "goal"}, 7, True])
def test_a_section_that_is_not_text_is_a_bad_request(
    app: Flask, make_event: MakeEvent, facilitator: MakeFacilitator, section: Any
) -> None:
    """Found by tests/test_fuzz.py: a list or an object as the section could not be looked
    up among the labels (TypeError), and the facilitator got ``server_error``."""
    ev = make_event(tables=1, template="co-development", topic="Kokemusohjauksen pilotti")
    control = facilitator(ev.id)
    control.received()

    refused_changing_nothing(
        app, control, [], "theme_create", {"title": "T", "section": section}, "bad_request"
    )
