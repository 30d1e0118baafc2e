"""Languages: Finnish by default, Swedish and English; one catalog for templates and scripts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import lazy_gettext as _
from werkzeug.wrappers import Response

bp = Blueprint("i18n", __name__)

#: Names of the languages in themselves, for the switcher.
LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}

#: Strings the browser scripts show. They go through the same catalogs as the templates and
#: reach the page as a script of their own, ``/i18n/<lang>.js`` (no inline script, so the
#: CSP stays strict; cached, so a page opened again does not download them again).
JS_MESSAGES: dict[str, Any] = {
    "connecting": _("Connecting…"),
    "connected": _("Connected"),
    "offline": _(
        "Offline: your posts are kept on this phone and sent when the connection returns."
    ),
    "sending": _("Sending…"),
    "unsent": _("Posts waiting to be sent: %(n)s"),
    "edit": _("Edit"),
    # The name of the field a post is rewritten in (the same words as the compose field's label).
    "idea_label": _("Your idea"),
    "delete": _("Delete"),
    "save": _("Save"),
    "cancel": _("Cancel"),
    "confirm_delete": _("Delete this post?"),
    "core": _("Core idea"),
    "mark_core": _("Mark as core idea"),
    "unmark_core": _("Remove core idea mark"),
    "you_are_host": _("You are the table host: mark the table's core ideas."),
    "host_taken": _("This table has a host."),
    "no_host": _("This table has no host yet."),
    "take_host": _("Become table host"),
    "release_host": _("Give up host role"),
    "hide": _("Hide"),
    "show": _("Show again"),
    "hidden": _("Hidden"),
    "revoke_host": _("Release host role"),
    "phones": _("Phones: %(n)s"),
    "no_ideas": _("No ideas yet."),
    "no_core": _("No core ideas yet."),
    "chars_left": _("Characters left: %(n)s"),
    "phase_opening": _("Opening / Openers' talks"),
    "phase_tables": _("Table discussions"),
    "phase_gathering": _("Gathering together"),
    "phase_summary": _("Summary"),
    "role_asiakas": _("client"),
    "role_kokemusasiantuntija": _("experience expert"),
    "role_ammattilainen": _("professional"),
    "role_opiskelija": _("student"),
    "role_muu": _("other"),
    "role_kokemusohjaaja": _("experience guide"),
    "role_työntekijä": _("worker"),
    "mine": _("yours"),
    "edited": _("edited"),
    "error": _("Something went wrong."),
    "timer_done": _("Time is up"),
    # The board's paging (static/js/pages/): which of a table's ideas are on screen.
    "b_core_count": _("Core ideas: %(n)s"),
    "b_core_range": _("%(first)s–%(last)s of %(total)s"),
    "b_core_one": _("%(n)s of %(total)s"),
    "b_core_part": _("%(n)s of %(total)s, part %(part)s/%(parts)s"),
    "b_tables_range": _("Tables %(first)s–%(last)s of %(total)s"),
    "b_summary_page": _("Page %(n)s of %(total)s"),
    # The gathering view (static/js/gather.js).
    "g_saved": _("Saved"),
    "g_saving": _("Saving…"),
    "g_unsaved": _("Unsaved changes"),
    "g_not_saved": _("Not saved"),
    "g_newer_text": _("The newer text"),
    "g_use_newer": _("Use the newer text"),
    "g_keep_mine": _("Keep mine"),
    "g_theme_title": _("Theme title"),
    "g_theme_body": _("Paragraph (Markdown)"),
    "g_draft": _("Draft from items"),
    "g_confirm_draft": _("Replace the paragraph with a draft made from the ideas?"),
    "g_move_up": _("Move up"),
    "g_move_down": _("Move down"),
    "g_delete_theme": _("Delete theme"),
    "g_confirm_delete_theme": _(
        "Delete the theme “%(title)s”? Its ideas go back among the ideas without a theme."
    ),
    "g_history": _("History"),
    "g_no_history": _("No saved versions yet."),
    "g_revision": _("Version %(n)s · %(time)s"),
    "g_drop_here": _("Drag ideas here"),
    "g_no_loose": _("Every idea has a theme."),
    "g_drag": _("Drag"),
    "g_reword": _("Reword"),
    "g_reword_label": _("Wording of the idea"),
    "g_original_words": _("Use the original words"),
    "g_rewritten": _("reworded"),
    "g_sources": _("Merged ideas:"),
    "g_separate": _("Separate"),
    "g_separate_label": _("Separate the idea “%(text)s”"),
    "g_move_to": _("Move to…"),
    "g_move_button": _("Move"),
    "g_without_theme": _("Without theme"),
    "g_merge_with": _("Merge with…"),
    "g_merge_button": _("Merge"),
    "g_merge_here": _("Merge"),
    "g_choose_idea": _("Choose an idea"),
    "g_picked_up": _(
        "Picked up: %(text)s. Arrow keys choose where, Enter drops it, Escape cancels."
    ),
    "g_target_move": _("Move to: %(name)s"),
    "g_target_merge": _("Merge with: %(text)s"),
    "g_cancelled": _("Cancelled."),
    "g_actions": _("Actions"),
    "g_ideas_count": _("%(n)s ideas"),
    "g_shown_count": _("%(shown)s of %(total)s ideas shown"),
    "g_did_move": _("move of “%(text)s”"),
    "g_did_merge": _("merge of “%(text)s”"),
    "g_did_split": _("separation of “%(text)s”"),
    "g_did_create": _("new theme “%(title)s”"),
    "g_did_delete": _("deletion of theme “%(title)s”"),
    "g_undo_what": _("Undo %(what)s (Ctrl+Z)"),
    "g_redo_what": _("Redo %(what)s (Ctrl+Shift+Z)"),
    "g_nothing_to_undo": _("Nothing to undo"),
    "g_nothing_to_redo": _("Nothing to redo"),
    "g_undone": _("Undone: %(what)s"),
    "g_redone": _("Redone: %(what)s"),
    "g_undo_refused": _("Could not undo the %(what)s. %(reason)s"),
    "g_redo_refused": _("Could not redo the %(what)s. %(reason)s"),
    "g_analysed_with": _("Text analysed with: %(mode)s"),
    "g_mode_voikko": _("Finnish lemmas (Voikko)"),
    "g_mode_snowball": _("Snowball stemmer"),
    "g_no_suggestions": _("No groups to suggest: the ideas have too little in common."),
    "g_suggestion_title": _("Suggested title"),
    "g_accept": _("Accept"),
    "g_reject": _("Reject"),
    "g_by_table": _("By table"),
    "g_by_role": _("By role"),
    "g_table": _("Table"),
    "g_role": _("Role"),
    "g_posts": _("Posts"),
    "g_core_ideas": _("Core ideas"),
    "g_themed": _("Reached a theme"),
    "g_no_role": _("no role"),
    "g_role_hidden": _(
        "hidden: fewer than 3 phones, or hidden so that a small group cannot be worked out"
    ),
    "g_preview_empty": _("The summary is still empty."),
    # Topic tips for the next Cafe Social (static/js/phone/feedback.js).
    "tip_thanks": _("Thank you! The organizers will see your tip — anonymously."),
    "fb_everyone": _("Everyone"),
    "fb_no_role": _("no role"),
    "fb_hidden": _("fewer than 3 phones — not shown"),
    "fb_role_hidden": _(
        "hidden: fewer than 3 answers, or hidden so that a small group cannot be worked out"
    ),
    "fb_title": _("How was it?"),
    "fb_rating": _("Your rating (1 = poor, 5 = excellent)"),
    "fb_text": _("What should we keep or change? (optional)"),
    "fb_send": _("Send feedback"),
    "fb_thanks": _("Thank you! You can still change your answer."),
    "fb_anonymous": _("Anonymous: your answer is shown only together with others'."),
    # The audit trail on the control page (control.js): "audit_<action>" for each of
    # cafe.audit.ACTIONS.
    "audit_hold": _("Post held: personal data found"),
    "audit_approve": _("Held post approved"),
    "audit_mask": _("Personal data masked in a post"),
    "audit_hide": _("Post hidden"),
    "audit_show": _("Hidden post shown again"),
    "audit_revoke_host": _("Host role released"),
    "audit_release_host": _("Host role released: the host's phone was away"),
    "audit_offer_host": _("Host role offered to the table's phones"),
    "audit_publish": _("Minutes published"),
    "audit_correct": _("Published minutes corrected"),
    "audit_premoderation_on": _("Pre-moderation switched on"),
    "audit_premoderation_off": _("Pre-moderation switched off"),
    "audit_not_personal": _("Words in the minutes marked as not personal data"),
    "audit_share": _("Event shared with another facilitator account"),
    # Dot-voting on the phone (static/js/vote.js) and the control page.
    "vote_left": _("Dots left: %(n)s of %(total)s"),
    "vote_rule": _("At most %(n)s on one item. You can move your dots until voting closes."),
    "vote_not_open": _("Voting has not started yet."),
    "vote_closed": _("Voting is closed. The results will be shown on the board."),
    "vote_revealed": _("Voting is over."),
    "vote_no_items": _("Nothing to vote on yet."),
    "vote_less": _("Take a dot off"),
    "vote_more": _("Add a dot"),
    "vote_yours": _("Your dots on this:"),
    "vote_dots": _("Dots: %(n)s"),
    # The board in a vote phase (static/js/board.js).
    "b_vote_ready": _("Voting starts soon."),
    "b_vote_open": _("Vote on your phone: spread your dots over what matters most to you."),
    "b_vote_closed": _("Voting is closed. The results are coming."),
    "b_vote_more": _("The first %(n)s of %(total)s"),
    # Under the number of phones that have voted: one phone, or any other count.
    "b_vote_voter": _("phone has voted"),
    "b_vote_voters": _("phones have voted"),
    # The control page's vote card (static/js/control-vote.js).
    "c_vote_ready": _("Not opened yet: moving to the phase opens voting on %(items)s items."),
    "c_vote_open": _("Voting is open on %(items)s items. Phones that have voted: %(n)s."),
    "c_vote_closed": _(
        "Voting is closed. Phones that voted: %(n)s. The results are hidden until you show them."
    ),
    "c_vote_revealed": _("The results are on the board. Phones that voted: %(n)s."),
    "audit_vote_open": _("Voting opened"),
    "audit_vote_close": _("Voting closed"),
    "audit_vote_reveal": _("Voting results shown on the board"),
    "audit_vote_dots": _("Dots per phone changed (dots / most on one item)"),
    "audit_automatic": _("automatic"),
    # The personal-data screen (phone/posts.js, control.js, gather.js; common.js marks the words).
    "pd_name": _("name"),
    "pd_phone": _("phone number"),
    "pd_email": _("e-mail address"),
    "pd_hetu": _("personal identity code"),
    "pd_iban": _("account number"),
    "pd_address": _("street address"),
    "pd_found": _("Possible personal data: %(kinds)s"),
    "pd_show": _("show"),
    "held_flagged": _(
        "The text seems to contain a name or other personal data (%(kinds)s, marked). Only "
        "you can see it now. Rewrite it without them, or send it to the facilitator to check "
        "as it is."
    ),
    "held_queued": _("Waiting for the facilitator to check it. Others cannot see it yet."),
    "held_notice": _("Your idea is waiting: see the marked words in it below."),
    "rewrite": _("Rewrite"),
    "send_for_review": _("Send to the facilitator as it is"),
    "review_empty": _("Nothing waiting for review."),
    "review_waiting": _("Waiting for review: %(n)s"),
    "review_flagged": _("The writer may still rewrite it"),
    "review_queued": _("Sent for review"),
    "review_premoderated": _("Waiting for approval"),
    "approve": _("Approve"),
    "mask": _("Mask"),
    # The control page's table overview and post feed (static/js/control.js).
    "ov_yes": _("yes"),
    "ov_no": _("no"),
    "premoderation_on": _("pre-moderation on"),
}


def role_label(tag: str) -> str:
    """The display name of a role tag; custom tags show as written."""
    label = JS_MESSAGES.get(f"role_{tag}")
    return str(label) if label is not None else tag


def finding_kind(kind: str) -> str:
    """What the personal-data screen calls a kind of finding ("name", "phone number")."""
    label = JS_MESSAGES.get(f"pd_{kind}")
    return str(label) if label is not None else kind


def js_catalog() -> dict[str, str]:
    """The script strings in the current language."""
    return {key: str(value) for key, value in JS_MESSAGES.items()}


def catalog_script(lang: str) -> tuple[str, str]:
    """The script strings in ``lang`` as a script that sets ``window.CAFE_CATALOG``, and
    the hash of its content (its version in URLs).

    Every page loads it from :func:`catalog` under a versioned URL, cached for a year,
    rather than carrying the strings in its HTML: a phone that opens the page again
    downloads none of them (cafe/assets.py). Made once per language and process.
    """
    cache: dict[str, tuple[str, str]] = current_app.extensions.setdefault(
        "cafe_catalog_scripts", {}
    )
    if lang not in cache:
        with force_locale(lang):
            strings = js_catalog()
        script = f"window.CAFE_CATALOG = {json.dumps(strings, ensure_ascii=False)};\n"
        cache[lang] = (script, hashlib.sha256(script.encode()).hexdigest()[:12])
    return cache[lang]


def catalog_version(values: Mapping[str, Any]) -> str | None:
    """The version of the catalog script named by the URL ``values`` (its ``lang``)."""
    lang = values.get("lang")
    if lang not in current_app.config["CAFE_LANGUAGES"]:
        return None
    return catalog_script(str(lang))[1]


@bp.route("/i18n/<lang>.js")
def catalog(lang: str) -> Response:
    """The script strings in ``lang`` (``window.CAFE_CATALOG``), for every page's scripts."""
    if lang not in current_app.config["CAFE_LANGUAGES"]:
        abort(404)
    return current_app.response_class(catalog_script(lang)[0], mimetype="text/javascript")


def select_locale() -> str:
    """The person's choice (switcher), else the event's language, else Finnish."""
    languages = current_app.config["CAFE_LANGUAGES"]
    if has_request_context():
        candidates: tuple[object, ...] = (
            request.args.get("lang"),
            session.get("lang"),
            g.get("event_lang"),
            session.get("event_lang"),
        )
    else:
        # A socket event served under an app context only (cafe.sockets.CafeNamespace):
        # the socket's own session says the same as flask.session would.
        socket = g.get("socket_session") or {}
        candidates = (socket.get("lang"), g.get("event_lang"), socket.get("event_lang"))
    for candidate in candidates:
        if candidate in languages:
            return str(candidate)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


@bp.route("/lang/<code>", methods=["POST"])
def switch_language(code: str) -> Response:
    """Remember the chosen UI language and go back where the person was."""
    if code in current_app.config["CAFE_LANGUAGES"]:
        session["lang"] = code
    target = request.form.get("next", "")
    # Only same-site paths, so the switcher cannot be used as an open redirect.
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("phone.home")
    return redirect(target)
