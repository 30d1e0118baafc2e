"""One shared libvoikko handle for Finnish (pure core: no Flask, no database).

Voikko (Debian's libvoikko1 + voikko-fi, Python module ``libvoikko``) is optional: suggested
themes and the personal-data screen fall back to other means without it. The handle is
opened once per process and is not thread-safe, so every call goes through ``VOIKKO_LOCK``.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

#: Held around every call on the handle (libvoikko is not thread-safe).
VOIKKO_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def voikko_handle() -> tuple[Any, str | None]:
    """Voikko for Finnish, or None and the reason it cannot be used (opened once)."""
    try:
        import libvoikko
    except ImportError:
        return None, "Voikko not installed"
    try:
        return libvoikko.Voikko("fi"), None
    except Exception:  # OSError without the library, VoikkoException without the dictionary
        return None, "Voikko not installed"
