"""How the one search box of the home page is read, and how a hit is named."""

from __future__ import annotations

import unicodedata

SEX_NAMES = {1: ("男", "male"), 2: ("女", "female"), 9: ("―", "n/a")}


def hit_name_line(hit) -> str:
    """Name with kana as the result list shows it (a store ``ResidentHit``)."""
    return f"{hit.family_name} {hit.given_name}（{hit.family_kana} {hit.given_kana}）"


def hit_reading_line(hit, *, english: bool = False) -> str:
    """The official readings of a hit as the resident list shows them (staff eyes): 氏名の振り仮名
    with the day it was recorded and its source, then the 旧氏 reading; ``""`` where the record
    has none. The search kana (in :func:`hit_name_line`) is the municipality's own, not these."""
    from app.store.furigana import reading_line, source_words   # the store loads after the sign-in window

    parts = []
    reading = reading_line(hit.furigana_family, hit.furigana_given)
    if reading:
        parts.append(f"{reading}（{hit.furigana_date} {source_words(hit.furigana_source, english=english, short=True)}）")
    if hit.former_furigana:
        label = "former surname" if english else "旧氏"
        parts.append(f"{label} {hit.former_furigana}（{hit.former_furigana_date} "
                     f"{source_words(hit.former_furigana_source, english=english, short=True)}）")
    return "　".join(parts)


def _is_date(word: str) -> bool:
    from app.store.normalize import parse_birth_date   # the store loads after the sign-in window

    try:
        parse_birth_date(word)
    except Exception:
        return False
    return True


#: how a word typed into the one search box is understood, tried in order: (test, query field)
SEARCH_WORDS = (
    (lambda w: len(w) == 12 and w.isdigit(), "my_number"),
    (lambda w: w in ("男", "女", "男性", "女性", "male", "female"), "sex"),
    (_is_date, "birth_date"),
    (lambda w: any(c.isdigit() for c in w) or w.endswith(("市", "町", "村", "区", "丁目", "番地")), "address"),
    (lambda w: True, "name"),
)


def parse_search(text: str) -> dict:
    """The words of the search box as a resident query (name words are joined)."""
    query: dict = {}
    for raw in unicodedata.normalize("NFKC", text).replace("\u3000", " ").split():
        word = raw.replace("-", "") if raw.replace("-", "").isdigit() and len(raw.replace("-", "")) == 12 else raw
        for test, key in SEARCH_WORDS:
            if test(word):
                query[key] = (query.get(key, "") + word) if key == "name" else word
                break
    return query
