"""The application factory."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, TextIO

from flask import Flask
from sqlalchemy import event as sa_event

from cafe import PACKAGE_DIR, resource_dir
from cafe.config import defaults, from_environment, instance_secret_key
from cafe.extensions import babel, csrf, db, login_manager


def _async_mode(app: Flask) -> str:
    """gevent when ``cafe run`` has monkey-patched the process, else threads."""
    configured = app.config.get("CAFE_ASYNC_MODE")
    if configured:
        return str(configured)
    # Looked up, not imported: a process gevent has patched has imported gevent.monkey, and
    # the commands that do not serve need not pay for importing gevent to learn that.
    monkey = sys.modules.get("gevent.monkey")
    return "gevent" if monkey is not None and monkey.is_module_patched("socket") else "threading"


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL lets boards read while phones write; NORMAL sync keeps commits cheap but durable
    across a process crash; a busy timeout rides out a concurrent writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


#: One line per record: time, level, logger name, message. No line the app writes carries
#: an IP address (nor a device hash, a password or a post's text).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _CafeLogHandler(logging.StreamHandler[TextIO]):
    """The stderr handler of the ``cafe`` loggers (a class of its own so that a second app
    made in the same process replaces it instead of adding another)."""


def configure_logging(app: Flask) -> None:
    """Send the ``cafe`` logger hierarchy to stderr at ``CAFE_LOG_LEVEL`` (default INFO).

    Only ``cafe`` is configured: libraries keep their own settings (gevent's access log,
    which would write client addresses, stays off; cafe/server.py). Records still reach
    the root logger, so a host process or pytest's ``caplog`` may collect them too. It runs
    before anything touches ``app.logger`` (``cafe.app``), so that Flask, finding this
    handler, adds no second one of its own.
    """
    logger = logging.getLogger("cafe")
    for old in [h for h in logger.handlers if isinstance(h, _CafeLogHandler)]:
        logger.removeHandler(old)
    handler = _CafeLogHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logger.addHandler(handler)
    name = str(app.config.get("CAFE_LOG_LEVEL") or "INFO").strip().upper()
    level = logging.getLevelNamesMapping().get(name)
    logger.setLevel(level if level is not None else logging.INFO)
    if level is None:
        # A typo must not stop the event: say so, and log at the default level.
        logger.warning("unknown CAFE_LOG_LEVEL %r: logging at INFO", name)


_namespaces_registered = False


def _register_namespaces() -> None:
    """Attach the socket namespaces to the shared SocketIO object once per process."""
    global _namespaces_registered
    if _namespaces_registered:
        return
    from cafe.board.events import BoardNamespace
    from cafe.broadcast import BOARD, FACILITATOR, PHONE
    from cafe.extensions import socketio
    from cafe.facilitator.events import FacilitatorNamespace
    from cafe.phone.events import PhoneNamespace
    from cafe.sockets import unexpected_error

    socketio.on_namespace(PhoneNamespace(PHONE))
    socketio.on_namespace(BoardNamespace(BOARD))
    socketio.on_namespace(FacilitatorNamespace(FACILITATOR))
    # A handler's unexpected exception still answers its event (cafe/sockets.py).
    socketio.on_error_default(unexpected_error)
    _namespaces_registered = True


def create_app(test_config: dict[str, Any] | None = None, *, serving: bool = True) -> Flask:
    """Create and configure the app: defaults, instance config and environment, or
    ``test_config`` in tests. Each step is one ``configure_*`` function of this module,
    in the order they must run (the proxy fix wraps last, so it is outermost).

    ``serving=False`` is the app of a command that reads the database and writes a file
    (``cafe export``): without logins, rate limits, sockets and pages, which it would only
    wait for (issue 14). Nothing may be sent through it, nor a page's URL built."""
    app = _flask_app()
    configure_config(app, test_config)
    configure_logging(app)
    configure_database(app)
    configure_translations(app)
    if serving:
        configure_extensions(app)
        configure_limits(app)
        configure_sockets(app)
        configure_blueprints(app)
    configure_templates(app)
    configure_errorhandlers(app)
    return app


def _flask_app() -> Flask:
    """The Flask object, with its instance folder made and its ``int`` converter set."""
    # Given to Flask itself, not set afterwards: the config's root (where config.py is
    # looked for) is fixed when the app is made.
    instance = os.environ.get("CAFE_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
        template_folder=resource_dir("templates"),
        static_folder=resource_dir("static"),
    )
    from cafe.errors import BoundedIntConverter

    # Before any route is added: rules take their converter when they are registered.
    app.url_map.converters["int"] = BoundedIntConverter
    os.makedirs(app.instance_path, exist_ok=True)
    return app


def configure_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Defaults, then instance/config.py and the ``CAFE_*`` environment (or ``test_config``
    alone, in tests); a secret key drawn into the instance folder when none is set."""
    app.config.from_mapping(defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(from_environment())
    else:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
        # `cafe run` refuses this with several workers (cafe/message_queue.py).
        app.extensions["cafe_secret_key_drawn"] = True


def configure_database(app: Flask) -> None:
    """Bind the database, with SQLite's pragmas on every connection and the audit trail's
    session hook."""
    db.init_app(app)
    # The audit trail logs and broadcasts its entries after each commit (a session hook).
    from cafe import audit  # noqa: F401

    with app.app_context():
        sa_event.listen(db.engine, "connect", _sqlite_pragmas)


def configure_translations(app: Flask) -> None:
    """Bind translations: pages in the reader's language, documents in the event's."""
    from cafe.i18n import select_locale

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )


def configure_extensions(app: Flask) -> None:
    """Bind CSRF protection, logins and compressed assets (what pages need)."""
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    from cafe import assets

    # First of the after_request hooks, so that it runs last: compression sees the final body.
    assets.init_app(app)


def configure_limits(app: Flask) -> None:
    """The rate limits (posts, review comments, join codes, logins) and the phones'
    presence counts: in this process, or shared through Redis by several workers."""
    from cafe.ratelimit import token_buckets

    # In this process's memory, or in the queue's Redis with several workers.
    app.extensions["cafe_post_limiter"] = token_buckets(
        app,
        name="post",
        burst=app.config["CAFE_POST_BURST"],
        rate_per_minute=app.config["CAFE_POSTS_PER_MINUTE"],
    )
    # Dot-voting: each tap on + or − is a vote (cafe/voting).
    app.extensions["cafe_vote_limiter"] = token_buckets(
        app,
        name="vote",
        burst=app.config["CAFE_VOTE_BURST"],
        rate_per_minute=app.config["CAFE_VOTES_PER_MINUTE"],
    )
    # Review comments through one review link: a burst of 20, then 20 a minute.
    app.extensions["cafe_comment_limiter"] = token_buckets(
        app, name="comment", burst=20, rate_per_minute=20
    )
    app.extensions["cafe_join_limiter"] = token_buckets(
        app,
        name="join",
        burst=app.config["CAFE_JOIN_ATTEMPTS_PER_MINUTE"],
        rate_per_minute=app.config["CAFE_JOIN_ATTEMPTS_PER_MINUTE"],
    )
    from cafe import presence
    from cafe.broadcast import presence_lost

    app.extensions[presence.EXTENSION] = presence.presence_for(
        app, lost=lambda event_ids: presence_lost(app, event_ids)
    )
    from cafe.auth.throttle import login_throttle

    app.extensions["cafe_login_throttle"] = login_throttle(app)


def configure_sockets(app: Flask) -> None:
    """Attach the socket namespaces and bind Socket.IO (through the message queue when
    several processes serve), every packet checked by cafe/wire.py."""
    from cafe import proxy
    from cafe.extensions import socketio
    from cafe.wire import (
        MAX_TRANSPORT_BYTES,
        CafePacket,
        PlainWebSockets,
        PollingBodies,
        relay_plain_json,
    )

    _register_namespaces()
    # Flask-SocketIO keeps the options of an earlier init_app, the queue's manager among
    # them: an app made after one with a queue (in the tests) would relay through it too.
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        async_mode=_async_mode(app),
        message_queue=app.config.get("CAFE_MESSAGE_QUEUE"),
        # A dead phone is noticed within 30 s (its presence count drops); the outbox covers
        # posts sent meanwhile. Pings every 10 s cost 9 % of a core at 2,000 idle phones.
        ping_interval=20,
        ping_timeout=10,
        # Every packet is checked by cafe/wire.py (size, depth, text, numbers), and a
        # refused event answered, up to the transport's limit.
        serializer=CafePacket,
        max_http_buffer_size=MAX_TRANSPORT_BYTES,
        # The page's own origin as the proxy forwards it, or CAFE_PUBLIC_URL's (cafe/proxy.py).
        cors_allowed_origins=proxy.origin_check(app.config.get("CAFE_PUBLIC_URL")),
    )
    # Relayed emits are read with plain JSON, not the clients' checked decoder (cafe/wire.py).
    relay_plain_json(socketio.server)
    app.wsgi_app = PollingBodies(  # type: ignore[method-assign]
        PlainWebSockets(app.wsgi_app), "/socket.io/", max_bytes=MAX_TRANSPORT_BYTES
    )


def configure_blueprints(app: Flask) -> None:
    """Register every feature's pages, then the security headers and the proxy fix."""
    from cafe import health, i18n, proxy, security
    from cafe.auth import views as auth_views
    from cafe.board import views as board_views
    from cafe.documents import views as document_views
    from cafe.facilitator import views as facilitator_views
    from cafe.gathering import views as gathering_views
    from cafe.minutes import views as minutes_views
    from cafe.phone import views as phone_views

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(facilitator_views.bp)
    app.register_blueprint(gathering_views.bp)
    app.register_blueprint(minutes_views.bp)
    app.register_blueprint(document_views.bp)
    app.register_blueprint(phone_views.bp)
    app.register_blueprint(board_views.bp)
    app.register_blueprint(i18n.bp)
    # The database and queue probe of process managers and monitors (cafe/health.py).
    app.register_blueprint(health.bp)
    security.init_app(app)
    # Outermost: the security headers and Socket.IO see the forwarded scheme and host.
    proxy.init_app(app)


def configure_templates(app: Flask) -> None:
    """Load the workshop templates (a malformed one stops the start, with its reason) and
    give the page templates their helpers."""
    from flask_babel import get_locale

    from cafe.documents.kinds import kind_of
    from cafe.i18n import LANGUAGE_NAMES, finding_kind, js_catalog, role_label
    from cafe.workshops import catalogue, event_title, phases_payload, template_of

    # Malformed templates are refused (and logged) here, at start, not at first use.
    catalogue()

    app.jinja_env.globals.update(
        js_catalog=js_catalog,
        role_label=role_label,
        finding_kind=finding_kind,
        template_of=template_of,
        document_kind=kind_of,
        event_title=event_title,
        phases_payload=phases_payload,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        current_locale=lambda: str(get_locale()),
    )


def configure_errorhandlers(app: Flask) -> None:
    """Error pages and JSON errors in the reader's language (cafe/errors.py)."""
    from cafe.errors import register_error_handlers

    register_error_handlers(app)
