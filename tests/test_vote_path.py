"""The vote path reads nothing per vote once the round is known, yet never trusts what it
keeps: a change made behind its back (by another worker, here a second connection to the
same database) is caught by the guarded write. Two tabs of one phone voting at the same
instant never spend more dots than the phone has; a herd of phones rejoining after the
reveal ranks the room once; phones follow the items of a section vote as they change."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from cafe.extensions import db
from cafe.models import Vote
from cafe.ratelimit import TokenBuckets
from tests.conftest import (
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    Phone,
    ack_error,
    seated,
)
from tests.helpers import another_worker, ok, statements, verbs, voting_on_themes


def vote(phone: Phone, item: str, dots: int) -> Any:
    """The phone puts ``dots`` on ``item`` as the phone page does (with the phase)."""
    return phone.call("vote", {"item": item, "dots": dots, "phase": "vote"})


def run_together(threads: list[threading.Thread], failures: list[BaseException]) -> None:
    """Start the threads, wait for all of them, and fail on what any of them raised."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []


def dots_of(app: Flask, device_hash: str | None = None) -> int:
    """Every dot stored (of one phone, given its device hash)."""
    with app.app_context():
        query = select(func.coalesce(func.sum(Vote.dots), 0))
        if device_hash is not None:
            query = query.where(Vote.device_hash == device_hash)
        return int(db.session.execute(query).scalar_one())


def test_a_vote_runs_one_guarded_write_and_one_read_once_the_round_is_known(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, _control, (first, second, third) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    ok(vote(voter, first, 1))  # the round's facts are read here

    with statements(app) as seen:
        assert ok(vote(voter, second, 1))["left"] == 1
        assert ok(vote(voter, first, 0))["mine"] == {second: 1}
        assert ok(vote(voter, third, 2))["left"] == 0

    # On PostgreSQL each vote first takes its phone's ballot lock (two tabs take turns).
    locks = [s for s in seen if "pg_advisory_xact_lock" in s]
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    assert len(locks) == (3 if postgres else 0)
    words = verbs([statement for statement in seen if statement not in locks])
    assert words == ["INSERT", "SELECT", "DELETE", "SELECT", "INSERT", "SELECT"]
    # Neither the event, nor the round, nor the item list is read: only the phone's dots.
    reads = [s for s in seen if s.upper().startswith("SELECT") and s not in locks]
    assert all("FROM vote " in s and "vote_round" not in s for s in reads), reads


def test_a_round_closed_by_another_worker_refuses_the_next_vote(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, _control, (first, second, _third) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    ok(vote(voter, first, 1))

    another_worker(app, "UPDATE vote_round SET state = 'closed' WHERE event_id = :id", id=ev.id)
    assert ack_error(vote(voter, second, 1)) == "voting_closed"
    assert ack_error(vote(voter, first, 0)) == "voting_closed"

    another_worker(app, "UPDATE vote_round SET state = 'open' WHERE event_id = :id", id=ev.id)
    assert ok(vote(voter, second, 1))["mine"] == {first: 1, second: 1}


def test_dots_lowered_by_another_worker_are_obeyed_and_answered(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, _control, (first, second, third) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    assert ok(vote(voter, first, 1))["left"] == 2  # the kept round: 3 dots, 2 on one item

    another_worker(
        app, "UPDATE vote_round SET dots = 2, per_item = 1 WHERE event_id = :id", id=ev.id
    )
    assert ack_error(vote(voter, first, 2)) == "too_many_on_item"
    assert ok(vote(voter, second, 1))["left"] == 0  # the answer counts with the new dots
    assert ack_error(vote(voter, third, 1)) == "no_dots_left"
    assert dots_of(app) == 2


def test_a_theme_deleted_by_another_worker_is_no_item_and_its_dots_count_for_nothing(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, _control, (first, second, third) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    ok(vote(voter, first, 2))
    assert ok(vote(voter, second, 1))["left"] == 0

    theme_id = int(first.split(":")[1])
    another_worker(app, "DELETE FROM theme WHERE id = :id", id=theme_id)

    assert ack_error(vote(voter, first, 1)) == "unknown_vote_item"
    # The two dots on the deleted theme are the phone's to spend again.
    answer = ok(vote(voter, third, 2))
    assert (answer["mine"], answer["left"]) == ({second: 1, third: 2}, 0)


def test_a_resend_of_the_count_already_there_changes_nothing(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, _control, (first, _second, _third) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    assert ok(vote(voter, first, 2))["changed"] is True
    voter.received()
    again = ok(vote(voter, first, 2))
    assert (again["changed"], again["mine"], again["left"]) == (False, {first: 2}, 1)
    assert voter.received("votes") == []
    assert ok(vote(voter, _second, 0))["changed"] is False  # nothing there to take off


def test_two_tabs_of_one_phone_voting_at_once_never_overspend(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    """Each tab's vote alone is allowed (one dot left), both together are not: whichever
    is stored first, the other must be refused, round after round."""
    ev, _control, (first, second, third) = voting_on_themes(make_event, facilitator)
    tab = seated(phone, ev.code, ev.table_ids[0])
    other_tab = seated(phone, ev.code, ev.table_ids[0], device=tab.device)
    ok(vote(tab, first, 2))
    with app.app_context():
        device = db.session.execute(select(Vote.device_hash)).scalar_one()
    rounds = 40
    # The real limiter, with room for this test's taps (a person taps far fewer).
    app.extensions["cafe_vote_limiter"] = TokenBuckets(burst=10 * rounds, rate_per_minute=60)
    start = threading.Barrier(2)
    answers: dict[str, list[Any]] = {second: [], third: []}
    failures: list[BaseException] = []

    def tap(client: Phone, item: str) -> None:
        try:
            for _ in range(rounds):
                start.wait(timeout=10)
                answers[item].append(vote(client, item, 1))
                start.wait(timeout=10)
                if answers[item][-1]["ok"]:
                    ok(vote(client, item, 0))  # and take it off again for the next round
        except BaseException as error:  # noqa: BLE001 -- reported by the test's thread
            failures.append(error)
            start.abort()

    threads = [
        threading.Thread(target=tap, args=(tab, second)),
        threading.Thread(target=tap, args=(other_tab, third)),
    ]
    over: list[int] = []
    run_together(threads, failures)
    over.append(dots_of(app, device))

    for n in range(rounds):
        pair = [answers[second][n], answers[third][n]]
        stored = [a for a in pair if a["ok"]]
        assert len(stored) == 1, pair
        refused = [a for a in pair if not a["ok"]]
        assert refused[0]["error"] == "no_dots_left", pair
        assert stored[0]["left"] == 0
    assert over == [2]


def test_dots_lowered_while_a_phone_votes_never_leave_it_above_the_new_rule(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    """The facilitator lowers the dots to 1 at the instant the phone places its second:
    either alone is allowed, both together are not. Whichever is stored first, the other
    is refused (``dots_in_use`` or ``no_dots_left``), round after round; no phone is ever
    left with more dots than the round now gives (set_dots locks the round before it
    counts the dots in use)."""
    ev, control, (first, second, _third) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    ok(vote(voter, first, 1))
    rounds = 40
    app.extensions["cafe_vote_limiter"] = TokenBuckets(burst=10 * rounds, rate_per_minute=60)
    start = threading.Barrier(2)
    votes: list[Any] = []
    settings: list[Any] = []
    failures: list[BaseException] = []

    def tap() -> None:
        try:
            for _ in range(rounds):
                start.wait(timeout=10)
                votes.append(vote(voter, second, 1))
                start.wait(timeout=10)  # both answered; the facilitator puts things back
                start.wait(timeout=10)
        except BaseException as error:  # noqa: BLE001 -- reported by the test's thread
            failures.append(error)
            start.abort()

    def lower() -> None:
        try:
            for _ in range(rounds):
                start.wait(timeout=10)
                settings.append(control.call("vote_dots", {"dots": 1, "per_item": 1}))
                start.wait(timeout=10)
                if votes[-1]["ok"]:
                    ok(vote(voter, second, 0))
                ok(control.call("vote_dots", {"dots": 3, "per_item": 2}))
                start.wait(timeout=10)
        except BaseException as error:  # noqa: BLE001 -- reported by the test's thread
            failures.append(error)
            start.abort()

    run_together([threading.Thread(target=tap), threading.Thread(target=lower)], failures)
    for n in range(rounds):
        pair = [votes[n], settings[n]]
        assert [answer["ok"] for answer in pair].count(True) == 1, pair
        if votes[n]["ok"]:
            assert ack_error(settings[n]) == "dots_in_use", pair
        else:
            assert ack_error(votes[n]) in {"no_dots_left", "too_many_on_item"}, pair
    assert dots_of(app) == 1


def test_a_herd_rejoining_after_the_reveal_ranks_the_room_once(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, control, (first, second, third) = voting_on_themes(make_event, facilitator)
    phones = [seated(phone, ev.code, ev.table_ids[n % 2]) for n in range(4)]
    for voter, item in zip(phones, (first, second, second, third), strict=True):
        ok(vote(voter, item, 2))
    revealed = ok(control.call("vote_reveal", {}))["vote"]["results"]

    with statements(app) as seen:
        rejoined = [ok(p.call("sync"))["state"]["vote"]["results"] for p in phones]
    ballot_reads = [s for s in seen if "vote.device_hash, vote.item, vote.dots" in s]

    assert rejoined == [revealed] * 4
    assert ballot_reads == []  # read once, when the facilitator revealed the round

    # A theme renamed after the reveal: the next rejoin ranks again, under the new title.
    theme = int(second.split(":")[1])
    saved = {"theme": theme, "base": 1, "title": "Osallisuus ja toimijuus", "body": ""}
    ok(control.call("theme_save", saved))
    ranked = ok(phones[0].call("sync"))["state"]["vote"]["results"]
    assert [(r["label"], r["dots"]) for r in ranked][0] == ("Osallisuus ja toimijuus", 4)


def test_phones_follow_a_section_votes_items_as_ideas_are_hidden_and_unmarked(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=1, template="co-development")
    control = facilitator(ev.id)
    ok(control.call("phase", {"phase": "proposals"}))
    host = seated(phone, ev.code, ev.table_ids[0])
    ok(host.call("claim_host"))
    kept = ok(host.post("Kokemusohjaaja mukaan jokaiseen tapaamiseen", core=True))["post"]
    hidden = ok(host.post("Yhteinen kirjaus asiakkaan kanssa", core=True))["post"]
    unmarked = ok(host.post("Vertaisryhmä joka kuntaan", core=True))["post"]
    ok(control.call("phase", {"phase": "vote"}))
    voter = seated(phone, ev.code, ev.table_ids[0])
    listed = ok(voter.call("sync"))["state"]["vote"]["items"]
    assert [item["label"] for item in listed] == [kept["text"], hidden["text"], unmarked["text"]]

    ok(control.call("hide", {"id": hidden["id"], "hidden": True}))
    after_hide = voter.received("vote")
    ok(host.call("mark_core", {"id": unmarked["id"], "core": False}))
    after_unmark = voter.received("vote")

    assert [[i["label"] for i in v["items"]] for v in after_hide] == [
        [kept["text"], unmarked["text"]]
    ]
    assert [[i["label"] for i in v["items"]] for v in after_unmark] == [[kept["text"]]]
    ok(control.call("hide", {"id": hidden["id"], "hidden": False}))
    assert [i["label"] for i in voter.received("vote")[-1]["items"]] == [
        kept["text"],
        hidden["text"],
    ]
