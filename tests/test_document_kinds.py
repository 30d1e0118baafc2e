"""The registry of document kinds covers every document a workshop template may export."""

from __future__ import annotations

from flask import Flask

from cafe.documents.kinds import KINDS
from cafe.domain.workshops import EXPORTS


def test_every_export_a_template_may_name_is_a_registered_kind_at_its_own_address(
    app: Flask,
) -> None:
    assert sorted(KINDS) == sorted(EXPORTS)
    paths = [kind.path for kind in KINDS.values()]
    assert len(set(paths)) == len(paths)
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint == "documents.edit"}
    assert rules == {f"/events/<int:event_id>/{path}" for path in paths}
    for kind in KINDS.values():
        # The editor imports the kind's fragment: it must exist and define its three parts.
        fragment = app.jinja_env.get_template(kind.editor_parts).module
        assert all(
            callable(getattr(fragment, name)) for name in ("fields", "export_extra", "cards")
        )
