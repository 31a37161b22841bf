"""Household order on a copy (世帯の記載順): head, spouse, children by birth date, their
families, parents, relatives, others.

The order is a table from the relationship to the head (続柄) to a group; inside a group persons
follow their birth date (older first). Relationship chains (子の妻, 妻の父, 子の子の妻 ... up to
four levels joined with の) are placed by their first link. This module only orders; it must not
change or invent a relationship.
"""

from __future__ import annotations

from typing import Iterable, Sequence, TypeVar

from app.printing.model import PersonRecord

HEAD, SPOUSE, CHILD, CHILD_FAMILY, PARENT, RELATIVE, OTHER, UNKNOWN = range(8)

#: relationship (a single link, or a whole chain) → group
GROUPS: dict[str, int] = {
    "世帯主": HEAD,
    "妻": SPOUSE, "夫": SPOUSE, "妻（未届）": SPOUSE, "夫（未届）": SPOUSE,
    "子": CHILD, "長男": CHILD, "長女": CHILD, "二男": CHILD, "二女": CHILD, "三男": CHILD, "三女": CHILD,
    "養子": CHILD, "養女": CHILD, "妻の子": CHILD, "夫の子": CHILD,
    "父": PARENT, "母": PARENT, "養父": PARENT, "養母": PARENT,
    "妻の父": PARENT, "妻の母": PARENT, "夫の父": PARENT, "夫の母": PARENT,
    "兄": RELATIVE, "姉": RELATIVE, "弟": RELATIVE, "妹": RELATIVE,
    "祖父": RELATIVE, "祖母": RELATIVE, "孫": CHILD_FAMILY,
    "縁故者": OTHER, "同居人": OTHER,
}

#: the first link of a chain that is not itself in GROUPS → group; any other chain is a relative
FIRST_LINK_GROUPS: dict[str, int] = {"子": CHILD_FAMILY, "孫": CHILD_FAMILY}

#: inside the other group, 縁故者 come before 同居人
OTHER_ORDER = {"縁故者": 0, "同居人": 1}

MAX_CHAIN = 4

P = TypeVar("P", bound=PersonRecord)


def relationship_group(relationship: str) -> int:
    """The group of a relationship to the head; unknown or malformed ones go last."""
    rel = (relationship or "").strip()
    if rel in GROUPS:
        return GROUPS[rel]
    links = rel.split("の")
    if not rel or len(links) > MAX_CHAIN or not all(links):
        return UNKNOWN
    return FIRST_LINK_GROUPS.get(links[0], RELATIVE)


def household_order(persons: Iterable[P], head_id: str | None = None) -> list[P]:
    """Persons in the order of a household copy. ``head_id`` marks the head when the
    relationship item is not loaded or says nothing."""

    def key(p: PersonRecord):
        group = HEAD if head_id and p.resident_id == head_id else relationship_group(p.relationship)
        return (group, OTHER_ORDER.get(p.relationship, 0) if group == OTHER else 0,
                p.birth_date or "9999", p.family_kana, p.given_kana, p.resident_id)

    return sorted(persons, key=key)


def chunks(persons: Sequence[P], size: int) -> list[list[P]]:
    """Split into sheets of ``size`` persons (at least one sheet, possibly empty)."""
    return [list(persons[i:i + size]) for i in range(0, len(persons), size)] or [[]]
