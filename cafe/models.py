"""Typed SQLAlchemy models. Participants have no table of their own: a phone is known only
by the hash of the random token its browser keeps, and only on the posts it wrote."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cafe.domain.timer import Timer
from cafe.extensions import db


def utcnow() -> dt.datetime:
    """Now, in UTC, without tzinfo (stored as naive UTC on every database)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    """A facilitator or organizer. Participants never have accounts."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    #: Werkzeug's salted scrypt hash.
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Sees and steers every event, not only those shared with the account.
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: Part of the login cookie (:meth:`get_id`); logging out (or a new password) counts
    #: it up, so every cookie issued before, copies included, stops working.
    session_version: Mapped[int] = mapped_column(default=0)

    def get_id(self) -> str:
        """Flask-Login's session value: ``<id>.<session_version>`` (read back by
        :func:`cafe.auth.views.load_user`)."""
        return f"{self.id}.{self.session_version}"


class CafeEvent(db.Model):  # type: ignore[name-defined]
    """One Cafe Social (later also a workshop): its plan, live phase and timer."""

    __tablename__ = "cafe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), default="cafe-social")
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date]
    start_time: Mapped[dt.time]
    end_time: Mapped[dt.time]
    place: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(2), default="fi")
    #: Role tags a phone may pick, in display order (JSON list of strings).
    role_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    next_date: Mapped[dt.date | None]
    next_start: Mapped[dt.time | None]
    next_end: Mapped[dt.time | None]
    footer: Mapped[str] = mapped_column(Text, default="")
    #: The memo's openers sentence as the organizer wrote it ("" = generated).
    openers_sentence: Mapped[str] = mapped_column(Text, default="")
    #: The memo's method sentence ("" = the default of the event's language).
    method_sentence: Mapped[str] = mapped_column(Text, default="")
    #: Six characters from JOIN_ALPHABET, shown on the board.
    join_code: Mapped[str] = mapped_column(String(6), unique=True)
    #: Secret of the board's read-only link.
    board_token: Mapped[str] = mapped_column(String(64), unique=True)
    phase: Mapped[str] = mapped_column(String(20), default="opening")
    timer_duration: Mapped[int] = mapped_column(default=0)
    #: When running: the moment the countdown reaches zero (UNIX seconds); else NULL.
    timer_ends_at: Mapped[float | None]
    #: When paused: seconds left.
    timer_remaining: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: Pre-moderation: every post is held until a facilitator approves it.
    premoderation: Mapped[bool] = mapped_column(default=False)

    openers: Mapped[list[Opener]] = relationship(
        back_populates="event", order_by="Opener.position", cascade="all, delete-orphan"
    )
    tables: Mapped[list[EventTable]] = relationship(
        back_populates="event", order_by="EventTable.position", cascade="all, delete-orphan"
    )
    #: The facilitators the event is shared with, its creator first (admins see it too).
    owners: Mapped[list[EventOwner]] = relationship(
        order_by="EventOwner.position", cascade="all, delete-orphan"
    )

    @property
    def timer(self) -> Timer:
        """The countdown as a domain value."""
        return Timer(
            duration=self.timer_duration,
            ends_at=self.timer_ends_at,
            remaining=self.timer_remaining,
        )

    @timer.setter
    def timer(self, value: Timer) -> None:
        self.timer_duration = value.duration
        self.timer_ends_at = value.ends_at
        self.timer_remaining = value.remaining


class EventOwner(db.Model):  # type: ignore[name-defined]
    """A facilitator account an event is shared with: it may open the event's facilitator
    and organizer pages, steer it and edit its minutes. Everyone else gets 404."""

    __tablename__ = "event_owner"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("cafe_event.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: 0 for the creator, then in the order the event was shared.
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Opener(db.Model):  # type: ignore[name-defined]
    """An invited opener of the event, in the order they speak."""

    __tablename__ = "opener"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    #: The organizer's notes of the talk, Markdown, for the memo.
    talk: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[CafeEvent] = relationship(back_populates="openers")


class EventTable(db.Model):  # type: ignore[name-defined]
    """A discussion table ("pöytä") of an event."""

    __tablename__ = "event_table"
    __table_args__ = (UniqueConstraint("event_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    #: 1-based number printed on the table's QR card.
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    #: Device hash of the phone that holds the table host role, if any.
    host_hash: Mapped[str | None] = mapped_column(String(64))

    event: Mapped[CafeEvent] = relationship(back_populates="tables")


class Post(db.Model):  # type: ignore[name-defined]
    """An idea written at a table. Anonymous: only the writer's device hash is kept."""

    __tablename__ = "post"
    __table_args__ = (
        # A phone resends what it did not see acknowledged; this makes the resend a no-op.
        UniqueConstraint("event_id", "client_id"),
        Index("ix_post_table_id_id", "table_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(ForeignKey("event_table.id", ondelete="CASCADE"))
    #: UUID the phone generated before sending.
    client_id: Mapped[str] = mapped_column(String(36))
    #: SHA-256 of the writer's device token; lets the writer edit, tells nobody who it is.
    device_hash: Mapped[str] = mapped_column(String(64))
    #: The role tag the writer chose, if any (e.g. "kokemusasiantuntija").
    role_tag: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    #: Marked (or written) by the table host as one of the table's core ideas.
    is_core: Mapped[bool] = mapped_column(default=False)
    #: Hidden by the facilitator (moderation); kept for the record, shown to nobody else.
    hidden: Mapped[bool] = mapped_column(default=False)
    #: Deleted by its writer: the text is erased, the row stays so a resend stays a no-op.
    deleted: Mapped[bool] = mapped_column(default=False)
    #: Held back from everyone but its writer: ``"flagged"`` when the personal-data screen
    #: found something (the writer may rewrite it or send it for review), ``"queued"`` while
    #: it waits for a facilitator (sent for review, or pre-moderation); None once public.
    review: Mapped[str | None] = mapped_column(String(10))
    #: What the screen found in ``text``: ``[{"kind", "start", "end"}]``; None when clean.
    findings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The section of a workshop the phase asked about (``goal``, ``process``…); None in a
    #: Cafe Social, where every idea is the table's.
    section: Mapped[str | None] = mapped_column(String(32))
    #: The gathering item this core idea became; two posts share one when merged.
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("gather_item.id", ondelete="SET NULL"), index=True
    )

    table: Mapped[EventTable] = relationship()

    @property
    def visible(self) -> bool:
        """Whether phones (other than the writer's) and the board may show it."""
        return not (self.hidden or self.deleted or self.review is not None)

    @staticmethod
    def visible_filter() -> tuple[ColumnElement[bool], ...]:
        """``visible`` as a WHERE clause."""
        return (Post.hidden.is_(False), Post.deleted.is_(False), Post.review.is_(None))

    @property
    def held(self) -> bool:
        """Waiting for its writer's rewrite or a facilitator's decision."""
        return self.review is not None and not (self.hidden or self.deleted)


class Theme(db.Model):  # type: ignore[name-defined]
    """A theme of the shared summary: a run-in title and a Markdown paragraph.

    ``title`` and ``body`` are the newest revision's text, kept here so that boards read
    one row; ``revision`` is that revision's number, the base a save must name.
    """

    __tablename__ = "theme"
    # Never reuse a deleted theme's id: its revisions (``theme:<id>``) stay in the history,
    # and a new theme with that id would collide with them (PostgreSQL never reuses one).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(default=1)
    #: The workshop section it belongs to (in ``process`` a theme is a numbered step: its
    #: title the bold lead sentence); None in a Cafe Social's single summary.
    section: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class GatherItem(db.Model):  # type: ignore[name-defined]
    """One card of the gathering view: a core idea, or several merged into one.

    Its sources are the posts whose ``item_id`` points here, so the trace (tables, role
    tags) is always read from them. ``text`` is None while the card shows its first
    source's words; it is set when the facilitator rewrites the card.
    """

    __tablename__ = "gather_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    #: None: not (yet) in any theme.
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    sources: Mapped[list[Post]] = relationship(order_by="Post.id", viewonly=True)


class SummaryIntro(db.Model):  # type: ignore[name-defined]
    """The un-headed paragraphs that open the summary, before the themes."""

    __tablename__ = "summary_intro"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("cafe_event.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(default=0)


class SummaryRevision(db.Model):  # type: ignore[name-defined]
    """Every saved text of the summary, oldest first; never updated.

    ``part`` is ``intro`` or ``theme:<id>``. The unique number per part is what stops
    two facilitators who saved on the same base from both winning.
    """

    __tablename__ = "summary_revision"
    __table_args__ = (UniqueConstraint("event_id", "part", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    part: Mapped[str] = mapped_column(String(40))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @staticmethod
    def theme_part(theme_id: int) -> str:
        """The ``part`` of a theme's revisions."""
        return f"theme:{theme_id}"


class Document(db.Model):  # type: ignore[name-defined]
    """An event's document, of the kind its template exports (the Cafe Social memo, a
    workshop's service-pilot report: ``cafe.documents.kinds``): its newest revision,
    review link, logo and publication.

    The text lives in :class:`DocumentRevision` rows; ``revision`` is the newest one's
    number, the base an edit must name. Once published (the memo), the document is
    locked: a further save must be an explicit correction, and the published text stays in
    the history.
    """

    __tablename__ = "document"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("cafe_event.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(default=0)
    #: Number of the revision first published; None while a draft.
    published_revision: Mapped[int | None]
    published_at: Mapped[dt.datetime | None]
    #: Secret of the review link table hosts use (no login); None until the organizer
    #: creates one.
    review_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Optional logo printed in the footer (PNG or JPEG, size-limited).
    logo: Mapped[bytes | None]
    logo_type: Mapped[str | None] = mapped_column(String(20))
    #: Words the organizer marked as not personal data in this document (the screen lets
    #: them pass when publishing).
    not_personal: Mapped[list[str]] = mapped_column(JSON, default=list)


class DocumentRevision(db.Model):  # type: ignore[name-defined]
    """One saved text of an event's document (JSON of its kind's document:
    :class:`cafe.domain.minutes.Memo`, :class:`cafe.domain.report.PilotReport`); never
    updated. ``correction`` marks a save made after publishing, with its reason."""

    __tablename__ = "document_revision"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    number: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    correction: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewComment(db.Model):  # type: ignore[name-defined]
    """A correction a table host suggested through the review link; anonymous."""

    __tablename__ = "review_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    #: Which part of the memo it is about, as its label read when the comment was sent
    #: (e.g. a theme title); "" = general.
    part: Mapped[str] = mapped_column(String(200), default="")
    #: The same part by its key (``intro``, ``talk-0``, ``theme:12``…:
    #: :func:`cafe.domain.minutes.review_parts`); None for a general comment.
    part_key: Mapped[str | None] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    #: The text the table host proposes for the part instead (Markdown); None: a comment
    #: only. Accepting the comment puts it in place, as a new revision.
    replacement: Mapped[str | None] = mapped_column(Text)
    #: "open", "accepted" or "dismissed".
    status: Mapped[str] = mapped_column(String(20), default="open")
    #: The revision that applied the replacement, once accepted.
    applied_revision: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TopicTip(db.Model):  # type: ignore[name-defined]
    """A topic suggested for a next Cafe Social from a phone; anonymous, no device kept."""

    __tablename__ = "topic_tip"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Feedback(db.Model):  # type: ignore[name-defined]
    """A phone's anonymous feedback on the event: a rating, a free text and a role tag.

    One per phone (its device hash, so that it can change its answer; blanked by the
    retention purge like a post's). Never shown with anything that identifies the phone.
    """

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("event_id", "device_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    device_hash: Mapped[str] = mapped_column(String(64))
    role_tag: Mapped[str | None] = mapped_column(String(40))
    #: 1 (poor) to 5 (excellent).
    rating: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(db.Model):  # type: ignore[name-defined]
    """One facilitator's (or the screen's automatic) action on an event, for the record.

    Written in the same transaction as the action itself (:func:`cafe.audit.record`).
    Names the facilitator account, never a phone: no device hash, no post text, no
    address. ``detail`` is a short, non-identifying note (a table's name, the kinds of
    personal data found, a revision number).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_event_id_id", "event_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    #: The account that acted; None when the action was automatic (or the account was
    #: deleted since: ``username`` still says who it was).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: The account's name at the time ("" for an automatic action).
    username: Mapped[str] = mapped_column(String(80), default="")
    #: What was done: ``hide``, ``show``, ``revoke_host``, ``publish``, ``correct``,
    #: ``hold``, ``approve``, ``mask``, ``premoderation_on``, ``premoderation_off``…
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class VoteRound(db.Model):  # type: ignore[name-defined]
    """The dot-voting of one vote phase of an event: open or closed, the dots each phone
    spreads, and whether the board shows the results yet.

    Opened when the facilitator first enters the phase (with the template's dots, unless
    they were changed before); closing freezes the votes; the results stay hidden from
    boards and phones until the facilitator reveals them, so that nobody votes with the
    crowd.
    """

    __tablename__ = "vote_round"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("cafe_event.id", ondelete="CASCADE"), primary_key=True
    )
    #: The template's phase id (``vote``): a template may vote more than once.
    phase: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: ``ready`` (dots set, not opened yet), ``open`` (phones may place and move their
    #: dots) or ``closed`` (the votes are frozen).
    state: Mapped[str] = mapped_column(String(10), default="ready")
    #: Dots each phone spreads (1–10) and the most it may put on one item.
    dots: Mapped[int]
    per_item: Mapped[int]
    #: The results are shown on boards and phones (never before: no bandwagon).
    revealed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Vote(db.Model):  # type: ignore[name-defined]
    """One phone's dots on one item of a vote round; anonymous like a post (the device
    hash only, so that the phone can change its vote; blanked by the retention purge).

    A phone's vote is an absolute count per item, so a resend sets the same count again;
    a count brought down to zero deletes the row.
    """

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("event_id", "phase", "device_hash", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cafe_event.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(32))
    device_hash: Mapped[str] = mapped_column(String(64))
    #: ``theme:<id>`` (a theme of the summary) or ``post:<id>`` (a core idea of a section).
    item: Mapped[str] = mapped_column(String(40))
    dots: Mapped[int]
    #: The role tag the phone carried when it voted (None: no tag).
    role_tag: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
