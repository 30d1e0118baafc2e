"""The event form; it collects fields and hands them to the same validator as plan files."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from cafe.domain.plan import DEFAULT_ROLE_TAGS, DEFAULT_TITLE, MAX_OPENERS, MAX_TABLES
from cafe.i18n import LANGUAGE_NAMES


class OpenerForm(Form):
    """One invited opener; a row left empty is ignored."""

    name = StringField(_("Name"), validators=[Optional(), Length(max=200)])
    title = StringField(_("Title"), validators=[Optional(), Length(max=200)])
    organisation = StringField(_("Organisation"), validators=[Optional(), Length(max=200)])


class EventForm(FlaskForm):
    """Everything on the Cafe Social plan."""

    title = StringField(_("Title line"), default=DEFAULT_TITLE, validators=[Length(max=200)])
    topic = StringField(_("Topic"), validators=[DataRequired(), Length(max=200)])
    date = DateField(_("Date"), validators=[InputRequired()])
    start = TimeField(_("Starts"), default=None, validators=[InputRequired()])
    end = TimeField(_("Ends"), validators=[InputRequired()])
    place = StringField(_("Place"), validators=[Optional(), Length(max=200)])
    template = SelectField(
        _("Format"),
        # Filled in per request (the installed templates, titled in the UI language).
        choices=[],
        default="cafe-social",
    )
    language = SelectField(
        _("Language of the event"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        default="fi",
    )
    openers = FieldList(FormField(OpenerForm), min_entries=2, max_entries=MAX_OPENERS)
    table_count = IntegerField(
        _("Number of tables"),
        default=4,
        validators=[Optional(), NumberRange(min=1, max=MAX_TABLES)],
    )
    table_names = TextAreaField(
        _("Table names, one per line (optional; overrides the number)"),
        validators=[Optional(), Length(max=4000)],
    )
    role_tags = TextAreaField(
        _("Role tags offered to phones, one per line"),
        default="\n".join(DEFAULT_ROLE_TAGS),
        validators=[Optional(), Length(max=1000)],
    )
    next_date = DateField(_("Next session date"), validators=[Optional()])
    next_start = TimeField(_("Next session starts"), validators=[Optional()])
    next_end = TimeField(_("Next session ends"), validators=[Optional()])
    footer = TextAreaField(_("Footer text (optional)"), validators=[Optional(), Length(max=2000)])
    premoderation = BooleanField(_("Pre-moderation: every post waits for my approval"))

    def plan_mapping(self) -> dict[str, Any]:
        """The form's content in the shape of a plan file, for ``plan_from_mapping``."""
        names = [line.strip() for line in (self.table_names.data or "").splitlines()]
        names = [n for n in names if n]
        roles = [line.strip() for line in (self.role_tags.data or "").splitlines()]
        roles = [r for r in roles if r]
        data: dict[str, Any] = {
            "template": self.template.data or "cafe-social",
            "title": self.title.data or "",
            "topic": self.topic.data or "",
            "date": self.date.data,
            "start": self.start.data,
            "end": self.end.data,
            "place": self.place.data or "",
            "language": self.language.data,
            "tables": names if names else (self.table_count.data or 4),
            "role_tags": roles,
            "footer": self.footer.data or "",
            "premoderation": bool(self.premoderation.data),
            "openers": [
                {
                    "name": entry.form.name.data or "",
                    "title": entry.form.title.data or "",
                    "organisation": entry.form.organisation.data or "",
                }
                for entry in self.openers
                if (entry.form.name.data or "").strip()
            ],
        }
        if tuple(roles) == DEFAULT_ROLE_TAGS and data["template"] != "cafe-social":
            # The pre-filled Cafe Social tags, untouched: the chosen template's tags apply.
            del data["role_tags"]
        if self.next_date.data:
            data["next_session"] = {"date": self.next_date.data}
            if self.next_start.data:
                data["next_session"]["start"] = self.next_start.data
            if self.next_end.data:
                data["next_session"]["end"] = self.next_end.data
        return data
