"""Login and logout for facilitators."""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from cafe.auth.operations import authenticate
from cafe.extensions import db, login_manager
from cafe.models import User

bp = Blueprint("auth", __name__)
log = logging.getLogger("cafe.auth")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the account behind the session cookie."""
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_("Password"), validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Show the login form; on success go where the facilitator was heading."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user)
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("events.index")
            return redirect(target)
        error = _("Wrong username or password.")
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """End the facilitator's session."""
    log.info("logout: %s", current_user.username)
    logout_user()
    return redirect(url_for("phone.home"))
