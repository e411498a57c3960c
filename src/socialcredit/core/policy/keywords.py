"""The second line: wording that names a protected ground, someone else's conduct or a
preference, in every language the shipped documents use (English and Chinese).

The catalogue (``catalogue.py``) is the gate: a rule counts only conduct a statute lets
an authority record. This scan exists for the day someone publishes a bogus catalogue
entry ("loyalty to the party", "attends a mosque"): its wording is refused here even
though it cites an entry. It runs over catalogue entries, measures, rules, factors, lists
and memoranda alike. Text in a script the scan cannot read is refused too, because a
pattern list that cannot see a word cannot vouch for it.

The reporting shows schemes scoring religion, petitions and online speech, lowering a
person's score for friends' posts and judging shopping habits as character (SYSTEM.md
§6). Each of those is a finding here, with the exact field path.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from socialcredit.core.policy.findings import Finding
from socialcredit.core.policy.keywords_en import (
    LAWFUL,
    OTHERS,
    OWN_CARE,
    PREFERENCE,
    PROTECTED,
    normalise,
)
from socialcredit.core.policy.keywords_zh import OTHERS_GROUND, zh_hits


def _scan(text: str) -> str:
    """A field normalised, with the subject's own care for others and lawful property
    offences blanked out.

    A care phrase followed by a possessive ("supporting relatives' debts") is not
    blanked: what follows is someone else's.
    """
    return OWN_CARE.sub(" ", LAWFUL.sub(" ", normalise(text)))


def unreadable(text: str) -> str | None:
    """The first letter in a script this scan has no patterns for, if any.

    The patterns cover Latin script (English, pinyin) and Chinese characters; a field in
    any other script would pass unread, so it is refused instead.
    """
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if not (name.startswith("LATIN") or name.startswith("CJK")):
                return ch
    return None


def wording(prefix: str, what: str, fields: Sequence[tuple[str, str]]) -> list[Finding]:
    """Protected grounds, others' conduct and preference profiling, field by field.

    Each field is scanned on its own so that a finding names exactly the field to change
    and words from two fields can never combine into a match.
    """
    out: list[Finding] = []
    for name, text in fields:
        if not text:
            continue
        cleaned = _scan(text)
        path = f"{prefix}.{name}"
        odd = unreadable(text)
        if odd is not None:
            out.append(
                Finding(
                    path,
                    "unscanned-language",
                    f"{what}: {name} uses a script the wording check cannot read "
                    f"({odd!r}); write it in English or Chinese",
                )
            )
        for ground, hit in zh_hits(text):
            if ground == OTHERS_GROUND:
                code, target = "others-conduct", "someone else's conduct"
            else:
                code, target = "protected-ground", f"a protected ground ({ground})"
            out.append(Finding(path, code, f"{what} targets {target}: {name} says {hit!r}"))
        for ground, rx in PROTECTED:
            m = rx.search(cleaned)
            if m:
                out.append(
                    Finding(
                        path,
                        "protected-ground",
                        f"{what} targets a protected ground ({ground}): {name} says {m.group(0)!r}",
                    )
                )
        m = OTHERS.search(cleaned)
        if m:
            out.append(
                Finding(
                    path,
                    "others-conduct",
                    f"{what} scores the subject for someone else's conduct: "
                    f"{name} says {m.group(0)!r}",
                )
            )
        m = PREFERENCE.search(cleaned)
        if m:
            out.append(
                Finding(
                    path,
                    "preference-profiling",
                    f"{what} judges preferences or consumption as character: "
                    f"{name} says {m.group(0)!r}",
                )
            )
    return out
