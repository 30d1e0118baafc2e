"""Every rule the code can break has a sentence to say so."""

from __future__ import annotations

import re

from cafe import PACKAGE_DIR
from cafe.messages import MESSAGES

#: ``DomainError("code"`` and ``refuse("code")`` anywhere in the package.
RAISED = re.compile(r'(?:DomainError|refuse)\(\s*"([a-z_]+)"')


def test_every_error_code_raised_in_the_package_has_a_message() -> None:
    raised = {
        code
        for path in PACKAGE_DIR.rglob("*.py")
        for code in RAISED.findall(path.read_text(encoding="utf-8"))
    }
    assert len(raised) > 30  # the pattern still finds the codes
    assert sorted(raised - set(MESSAGES)) == []
