"""What each broken rule says to a person, in their language.

The pure core raises :class:`~cafe.domain.errors.DomainError` with a code; this table turns
the code into a sentence through Flask-Babel, so the same rule speaks Finnish, Swedish or
English depending on the reader.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext

from cafe.domain.errors import DomainError

_ = lazy_gettext

MESSAGES: dict[str, Any] = {
    "bad_request": _("The request was malformed. Reload the page and try again."),
    # A socket handler failed unexpectedly (a bug; cafe/sockets.py logs where).
    "server_error": _("Something went wrong."),
    "text_invalid": _("The text is not valid."),
    "text_empty": _("Write something first."),
    "text_too_long": _("The text is too long: %(length)s characters, at most %(max)s."),
    "bad_client_id": _("The post has no valid identifier. Reload the page and try again."),
    "client_id_taken": _("That identifier is already used by another post."),
    "unknown_code": _("No event has that code. Check the code on the screen."),
    "bad_code": _("A code is six letters or digits, for example ABC234."),
    "too_many_attempts": _("Too many wrong codes. Wait a minute and try again."),
    "unknown_event": _("That event does not exist."),
    "unknown_table": _("That table does not exist in this event."),
    "not_at_table": _("Choose a table first."),
    "unknown_post": _("That post does not exist."),
    "not_your_post": _("You can only change your own posts."),
    "post_gone": _("That post has been removed."),
    "bad_device": _("Your browser did not send a valid device token. Reload the page."),
    "bad_role": _("That role is not offered in this event."),
    "host_taken": _("This table already has a host."),
    "not_host": _("Only the table host can do that."),
    "rate_limited": _("You are posting very fast. Wait a moment and try again."),
    "bad_phase": _("Unknown phase."),
    "timer_invalid": _("The timer must be between 0 and 240 minutes."),
    "bad_timer_action": _("Unknown timer action."),
    "not_logged_in": _("Log in first."),
    "bad_board_token": _("This board link is not valid."),
    "plan_syntax": _("The plan file is not valid TOML: %(detail)s"),
    "plan_unknown_key": _("Unknown key in the plan: %(key)s"),
    "plan_not_table": _("%(key)s must be a table of keys, written [%(key)s]."),
    "plan_bad_themes": _("Each summary theme needs a title, and optionally a body."),
    "plan_missing": _("Missing: %(key)s"),
    "plan_not_text": _("%(key)s must be text."),
    "plan_not_flag": _("%(key)s must be true or false."),
    "plan_too_long": _("%(key)s is too long (at most %(max)s characters)."),
    "plan_bad_date": _("%(key)s is not a date; write it as 31.10.2017 or 2017-10-31."),
    "plan_bad_time": _("%(key)s is not a time; write it as 14:00."),
    "plan_date_has_time": _(
        "%(key)s is a date with a time of day; write only the date, as 2017-10-31."
    ),
    "plan_time_has_date": _("%(key)s is a time with a date; write only the time, as 14:00."),
    "plan_too_deep": _(
        "%(key)s nests arrays or tables more than %(max)s levels deep; a plan needs far fewer."
    ),
    "plan_end_before_start": _("The end time must be after the start time."),
    "plan_bad_language": _("The language must be one of: %(choices)s."),
    "plan_bad_tables": _("Tables must be a number or a list of names."),
    "plan_table_count": _("An event has 1 to %(max)s tables."),
    "plan_duplicate_table": _("Two tables have the same name."),
    "plan_bad_roles": _("Role tags must be a list of up to %(max)s different short names."),
    "plan_bad_openers": _(
        "Openers must each have a name, and optionally a title and an organisation "
        "(at most %(max)s)."
    ),
    "plan_bad_next": _("The next session needs a date, and optionally start and end times."),
    "bad_username": _("A username is 3 to 80 characters without spaces."),
    "short_password": _("The password must be at least %(min)s characters."),
    "username_taken": _("That username is taken."),
    "unknown_user": _("No account has that username."),
    "next_before_event": _("The next session is dated before this event."),
    "minutes_locked": _(
        "The minutes are published. To change them, describe the correction; the published "
        "version stays in the history."
    ),
    "already_published": _("The minutes are already published."),
    "unknown_revision": _("That version of the minutes does not exist."),
    "bad_review_token": _("This review link is not valid."),
    "unknown_comment": _("That comment does not exist."),
    "unknown_part": _("That part is no longer in the minutes (a theme deleted since?)."),
    "replacement_needs_part": _("Choose the part your proposed text is for."),
    "save_conflict": _(
        "Someone saved these parts too since you started: %(parts)s. Your text is in the "
        "form, beside the newer version; everything else was merged. Check them and save "
        "again."
    ),
    "plan_bad_template": _("A template name is lower-case letters, digits and dashes."),
    "unknown_template": _("Unknown workshop template; choose one of: %(choices)s."),
    "template_invalid": _(
        "The workshop template %(file)s is not valid (line %(line)s): %(reason)s"
    ),
    "report_too_many_steps": _("A process has at most %(max)s steps."),
    "unknown_section": _("Unknown section; this format has: %(choices)s."),
    "plan_report_not_workshop": _(
        "Only a workshop that exports a service-pilot report takes [report] in its plan."
    ),
    "bad_rating": _("Choose a rating from 1 to 5."),
    # Dot-voting (cafe/voting).
    "not_voting": _("There is no vote in this phase."),
    "voting_closed": _("Voting is closed."),
    "voting_not_opened": _("Voting has not been opened yet."),
    "unknown_vote_item": _("That item is no longer on the list."),
    "bad_dots": _("The number of dots must be a whole number, 0 or more."),
    "too_many_on_item": _("At most %(max)s dots on one item."),
    "no_dots_left": _("You have used all your %(total)s dots. Take one off another item first."),
    "bad_dots_setting": _("Choose 1 to %(max)s dots per phone, and at most that many on one item."),
    "dots_in_use": _(
        "Phones have already placed up to %(used)s dots, %(most)s on one item: while voting, "
        "the limits cannot go below that."
    ),
    "results_revealed": _("The results have been shown, so voting cannot be opened again."),
    "not_held": _("That post is not waiting for review."),
    "unresolved_findings": _(
        "The screen found possible personal data in the minutes. Mask each finding or mark it "
        "as not personal data before publishing."
    ),
    "finding_moved": _("The text has changed meanwhile; look at the findings again."),
    "nothing_to_mask": _("Nothing was found to mask in that post; approve or hide it."),
    "bad_export_format": _("Unknown export format; choose one of: %(choices)s."),
    "pdf_unavailable": _(
        "The Pango library that the PDF export needs is not installed on this server. "
        "Download the HTML version and print it to PDF, or ask the server's administrator "
        "to install Pango."
    ),
    "summary_stale": _(
        "Modified in the meantime: someone saved a newer version. It is shown below; "
        "copy what you need and save again."
    ),
    "unknown_theme": _("That theme does not exist any more."),
    "unknown_item": _("That idea is no longer in the gathering."),
    "merge_same": _("An idea cannot be merged with itself."),
    "unknown_source": _("That idea is not part of this item."),
    "not_merged": _("This item holds only one idea; there is nothing to separate."),
    # An undo or redo whose idea or theme another facilitator has changed since.
    "changed_meanwhile": _(
        "Someone has changed this in the meantime, so it was left as it is. Undo works only "
        "until the idea or theme is changed again."
    ),
    "too_many_themes": _("A summary has at most %(max)s themes."),
    "nothing_to_suggest": _("Suggestions need at least two ideas without a theme."),
    "logo_too_large": _("The logo file is too large: at most %(max_kb)s KB."),
    "logo_bad_image": _(
        "The logo must be a PNG or JPEG image of at most %(max_px)s × %(max_px)s pixels."
    ),
    "logo_damaged": _(
        "The logo image is damaged or incomplete (perhaps cut off while saving or "
        "uploading): open it in an image program, save it again and upload the new file."
    ),
}


def message_for(error: DomainError) -> str:
    """Return the sentence for a broken rule in the current locale."""
    template = MESSAGES.get(error.code)
    if template is None:
        return str(gettext("Something went wrong."))
    text = str(template)
    if error.params:
        try:
            return text % error.params
        except (KeyError, TypeError, ValueError):
            return text
    return text


def error_ack(error: DomainError) -> dict[str, Any]:
    """The acknowledgement a socket handler returns when a rule was broken."""
    return {"ok": False, "error": error.code, "message": message_for(error)}
