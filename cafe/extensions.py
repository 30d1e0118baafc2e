"""Flask extensions, created unbound and bound to an app in :func:`cafe.create_app`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from flask_socketio import SocketIO

#: Constraint names Alembic can rely on, on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: Every socket event and request has its own session, removed at the end of its app
#: context, so objects need not be reloaded after a commit: expiring them made every post
#: read its own row back, about 12 % of the server's CPU at 100 posts/s (bench/load.py).
#: Code that changes rows behind the ORM's back (bulk UPDATE) refreshes what it reads.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
#: Made at first use (:func:`__getattr__`), not at import: every module imports ``db`` from
#: here, and Flask-SocketIO brings python-socketio and python-engineio with it, which a
#: command that never sends (``cafe export``) should not wait for (issue 14).
socketio: SocketIO
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
#: Compresses HTML, CSS, JavaScript, SVG and JSON responses (cafe/assets.py sets it up).
compress = Compress()


def __getattr__(name: str) -> object:
    """``socketio``, made the first time it is asked for (PEP 562); stored as a global of this
    module, so later lookups find it without calling this."""
    if name != "socketio":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from flask_socketio import SocketIO

    # setdefault: two threads asking at once still share one object.
    return globals().setdefault("socketio", SocketIO())
