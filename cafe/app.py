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
from cafe.extensions import babel, csrf, db, login_manager, socketio


def _async_mode(app: Flask) -> str:
    """gevent when ``cafe run`` has monkey-patched the process, else threads."""
    configured = app.config.get("CAFE_ASYNC_MODE")
    if configured:
        return str(configured)
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


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


def _configure_logging(app: Flask) -> None:
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
    from cafe.events.events import FacilitatorNamespace
    from cafe.phone.events import PhoneNamespace
    from cafe.sockets import unexpected_error

    socketio.on_namespace(PhoneNamespace(PHONE))
    socketio.on_namespace(BoardNamespace(BOARD))
    socketio.on_namespace(FacilitatorNamespace(FACILITATOR))
    # A handler's unexpected exception still answers its event (cafe/sockets.py).
    socketio.on_error_default(unexpected_error)
    _namespaces_registered = True


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app: defaults, instance config and environment, or
    ``test_config`` in tests."""
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
    app.config.from_mapping(defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(from_environment())
    else:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    _configure_logging(app)

    db.init_app(app)
    # The audit trail logs and broadcasts its entries after each commit (a session hook).
    from cafe import audit  # noqa: F401

    with app.app_context():
        sa_event.listen(db.engine, "connect", _sqlite_pragmas)

    from cafe.i18n import finding_kind, js_catalog, role_label, select_locale

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    from cafe import assets

    # First of the after_request hooks, so that it runs last: compression sees the final body.
    assets.init_app(app)

    from cafe.ratelimit import TokenBuckets

    app.extensions["cafe_post_limiter"] = TokenBuckets(
        app.config["CAFE_POST_BURST"], app.config["CAFE_POSTS_PER_MINUTE"]
    )
    # Review comments through one review link: a burst of 20, then 20 a minute.
    app.extensions["cafe_comment_limiter"] = TokenBuckets(20, 20)
    app.extensions["cafe_join_limiter"] = TokenBuckets(
        app.config["CAFE_JOIN_ATTEMPTS_PER_MINUTE"], app.config["CAFE_JOIN_ATTEMPTS_PER_MINUTE"]
    )
    from cafe.auth.throttle import memory_throttle

    app.extensions["cafe_login_throttle"] = memory_throttle(app.config)

    from cafe import proxy
    from cafe.wire import MAX_TRANSPORT_BYTES, CafePacket, PollingBodies

    _register_namespaces()
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
    app.wsgi_app = PollingBodies(  # type: ignore[method-assign]
        app.wsgi_app, "/socket.io/", max_bytes=MAX_TRANSPORT_BYTES
    )

    from cafe import i18n, security
    from cafe.auth import views as auth_views
    from cafe.board import views as board_views
    from cafe.documents import views as document_views
    from cafe.events import views as event_views
    from cafe.gathering import views as gathering_views
    from cafe.minutes import views as minutes_views
    from cafe.phone import views as phone_views
    from cafe.reports import views as report_views

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(event_views.bp)
    app.register_blueprint(gathering_views.bp)
    app.register_blueprint(minutes_views.bp)
    app.register_blueprint(report_views.bp)
    app.register_blueprint(document_views.bp)
    app.register_blueprint(phone_views.bp)
    app.register_blueprint(board_views.bp)
    app.register_blueprint(i18n.bp)
    security.init_app(app)
    # Outermost: the security headers and Socket.IO see the forwarded scheme and host.
    proxy.init_app(app)

    from cafe.i18n import LANGUAGE_NAMES
    from cafe.workshops import catalogue, event_title, phases_payload, template_of

    # Malformed templates are refused (and logged) here, at start, not at first use.
    catalogue()

    app.jinja_env.globals.update(
        js_catalog=js_catalog,
        role_label=role_label,
        finding_kind=finding_kind,
        template_of=template_of,
        event_title=event_title,
        phases_payload=phases_payload,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )

    from flask_babel import get_locale

    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())

    from cafe.errors import register_error_handlers

    register_error_handlers(app)

    @app.route("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness probe for the test harness and process managers."""
        return {"status": "ok"}

    return app
