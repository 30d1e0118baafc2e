"""Taking a document's live source in again, part by part, without overwriting anyone.

A document (the memo, the service-pilot report) is seen here as an ordered mapping of
*parts*: a key (``intro``, ``theme:12``, ``goal``…) and its text, a tuple of strings (a
theme's title and paragraph). Three versions of the parts meet when the organizer takes
the live source (the shared summary, the workshop's sections) in again:

- ``mine``: the document's newest revision, as the organizer left it;
- ``new``: what the live source gives now;
- ``taken``: what the source gave when it was last taken in (stored with the document).

A part differs when ``mine`` and ``new`` differ; it was *edited* when ``mine`` is no
longer what was taken in. Each differing part is a :class:`Change` the organizer sees
with both texts and decides on; the proposed decision keeps an edited part and takes a
part the organizer never touched. Nothing is replaced without a visible choice.

Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

#: A part's text: one string, or several (a theme's title and paragraph).
Text = tuple[str, ...]
#: A document's parts in their order.
Parts = Mapping[str, Text]


@dataclass(frozen=True)
class Change:
    """One part the live source would change.

    ``mine`` is None for a part only the source has (a theme added since), ``new`` None
    for one the source no longer has (a theme deleted since).
    """

    key: str
    mine: Text | None
    new: Text | None
    #: The organizer changed this part since it was last taken in.
    edited: bool

    @property
    def proposed(self) -> bool:
        """Whether the choice offered first is to take the source's version: yes for a
        part the organizer never edited, no for an edited one."""
        return not self.edited


def changes(mine: Parts, new: Parts, taken: Parts) -> list[Change]:
    """The parts where ``mine`` and ``new`` differ, in the merged document's order
    (:func:`merged_order`). A part ``taken`` does not know counts as edited: the safe
    side for a document stored before the source's versions were kept."""
    found = []
    for key in merged_order(mine, new):
        ours, theirs = mine.get(key), new.get(key)
        if ours == theirs:
            continue
        edited = ours is not None and taken.get(key) != ours
        found.append(Change(key, ours, theirs, edited))
    return found


def merged_order(mine: Parts, new: Parts) -> list[str]:
    """Every key of both, in the source's order, each part only the document has staying
    right after the part that preceded it in the document (or first, if none did)."""
    order = [key for key in new]
    previous: str | None = None
    for key in mine:
        if key not in new:
            at = order.index(previous) + 1 if previous is not None else 0
            order.insert(at, key)
        previous = key
    return order


def apply(mine: Parts, new: Parts, take: Collection[str]) -> dict[str, Text]:
    """The document's parts after taking the source's version of the keys in ``take``
    (a part the source dropped is then dropped) and keeping the organizer's elsewhere (a
    part only the source has is then left out)."""
    result: dict[str, Text] = {}
    for key in merged_order(mine, new):
        chosen = new.get(key) if key in take else mine.get(key)
        if chosen is not None:
            result[key] = chosen
    return result


def three_way(
    base: Mapping[str, str], mine: Mapping[str, str], theirs: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Merge a stale save field by field: ``base`` is what the editor started from,
    ``mine`` what it saves, ``theirs`` what was saved meanwhile. A field only one side
    changed gets that side's text; a field both changed differently is a *conflict* and
    keeps ``mine`` (the person's own words stay in the form). A field missing from a side
    is absent there (a theme deleted, a step added). Returns the merged fields (theirs'
    order, then fields only ``mine`` has) and the conflicting keys, in that order."""
    merged: dict[str, str] = {}
    conflicts: list[str] = []
    for key in dict.fromkeys([*theirs, *mine]):
        old, ours, other = base.get(key), mine.get(key), theirs.get(key)
        if ours == other or ours == old:
            value = other
        elif other == old:
            value = ours
        else:
            value = ours
            conflicts.append(key)
        if value is not None:
            merged[key] = value
    return merged, conflicts
