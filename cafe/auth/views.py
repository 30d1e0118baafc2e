"""Login and logout for facilitators."""

from __future__ import annotations

import logging
import math

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from cafe.auth.operations import authenticate, end_sessions, log_refusal
from cafe.auth.throttle import LoginThrottle
from cafe.extensions import db, login_manager
from cafe.models import User

bp = Blueprint("auth", __name__)
log = logging.getLogger("cafe.auth")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the account behind the session cookie, ``<id>.<version>``
    (:meth:`User.get_id`), if that login has not ended since (a logout counts the
    account's session version up, so a copy of an older cookie finds no one)."""
    number, _dot, version = user_id.partition(".")
    if not (number.isdigit() and version.isdigit()) or len(number) > 18:
        return None
    user = db.session.get(User, int(number))
    if user is None or user.session_version != int(version):
        return None
    return user


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_("Password"), validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the login form; on success go where the facilitator was heading.

    Failed logins are counted per account and per client address
    (:mod:`cafe.auth.throttle`); over either limit the form comes back with 429 and how
    long to wait, and the password is not checked.
    """
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        throttle: LoginThrottle = current_app.extensions["cafe_login_throttle"]
        username, address = form.username.data, request.remote_addr
        wait = throttle.wait(username, address)
        if wait > 0:
            log_refusal("too many failed logins")
            minutes = max(1, math.ceil(wait / 60))
            error = ngettext(
                "Too many failed logins. Try again in %(num)d minute.",
                "Too many failed logins. Try again in %(num)d minutes.",
                minutes,
            )
            page = render_template("auth/login.html", form=form, error=error)
            return page, 429, {"Retry-After": str(math.ceil(wait))}
        user = authenticate(username, form.password.data)
        if user is not None:
            throttle.succeeded(username)
            login_user(user)
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("facilitator.index")
            return redirect(target)
        throttle.failed(username, address)
        error = _("Wrong username or password.")
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """End the facilitator's session, and every other login of the account: a copy of the
    cookie stops working too (:func:`~cafe.auth.operations.end_sessions`)."""
    log.info("logout: %s", current_user.username)
    end_sessions(current_user._get_current_object())
    logout_user()
    return redirect(url_for("phone.home"))
