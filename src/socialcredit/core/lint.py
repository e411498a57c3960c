"""The policy validator: what a rulebook may never say, checked before it is published.

The reporting shows schemes scoring religion, petitions and online speech, lowering a
person's score for friends' posts, judging shopping habits as character, and keeping
people restricted forever (SYSTEM.md §6). Each of those is a finding here, with the
exact field path, so a refused rulebook says precisely what to change.

Structural problems stop parsing (``core/rulebook.py``); everything here is policy, and
every check runs so that one pass reports every problem. The module is pure: no I/O and
no clock, so the CLI, the API and the tests all get the same answer for the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from socialcredit.core.periods import Duration
from socialcredit.core.rulebook import Rulebook

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One policy problem: where (a field path such as ``rules[3].category``), what, how bad.

    Only ``error`` findings stop a rulebook from being published; a ``warning`` points at
    something that is legal but almost certainly not what the publisher meant.
    """

    path: str
    code: str
    message: str
    severity: str = ERROR


@dataclass(frozen=True)
class LintConfig:
    """Limits a deployment may tighten or loosen without changing the checks themselves."""

    # "Once untrustworthy, always restricted" is what the reporting shows going wrong:
    # every negative effect must end, by default within five years.
    max_negative_lasts_days: int = 5 * 366


# -- wording ----------------------------------------------------------------------------
def _rx(*alternatives: str) -> re.Pattern[str]:
    """Whole-word alternatives; the end is "no word character follows" so that
    possessives ending in an apostrophe ("friends'") still match."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")(?!\w)")


def _normalise(text: str) -> str:
    """Lowercase, typographic apostrophes to ``'``, and ``-``/``_`` to spaces, so that a
    code such as ``attends-church`` reads like the title "Attends church"."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"[\s_\-]+", " ", text).strip()


# A subject's own care for the people around them is their own conduct, and village
# schemes reward it (SYSTEM.md §2): "caring for elderly parents", "helping neighbours",
# "caring for disabled relatives". These spans are blanked out before the others-conduct
# and protected-ground patterns run, so "parents" or "disabled" inside them never count,
# while anything else in the same text is still scanned.
_OWN_CARE = re.compile(
    r"\b(?:help\w*|car(?:e|es|ed|ing) for|look\w* after|support\w*|assist\w*|visit\w*|"
    r"treat\w*|respect\w*|provid\w* for|rais\w*|nurs\w*|tend\w* to|protect\w*|feed\w*|"
    r"housing|shelter\w*|abandon\w*|neglect\w*|mistreat\w*|abus\w*)"
    r"(?: (?:one's|ones|his|her|their|your|own|the|a|an|elderly|aged|ageing|aging|old|older|"
    r"sick|ill|disabled|infirm|young|needy|poor|vulnerable|other|fellow|and|or))*"
    r" (?:parents?|neighbou?rs?|friends?|relatives?|family|families|family members?|"
    r"children|child|kids?|spouses?|husbands?|wives|wife|elders?|grandparents?|"
    r"grandchildren|in laws?|siblings?|orphans?|villagers?)(?![\w'])"
)

# Word-boundary patterns per protected ground (SYSTEM.md §6). Legal bases and excusing
# circumstances are not scanned: citing a law or being in hospital is not scoring anyone
# for it. Lookarounds keep out lawful wording that shares a word with a ground: food
# safety and "health certificates", "bad faith", "audit opinions", "minority
# shareholders", "sexual harassment", a protested bill of exchange.
PROTECTED: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "religion",
        _rx(
            r"religio\w*",
            r"worship\w*",
            r"church\w*",
            r"mosques?",
            r"temples?",
            r"(?<!good )(?<!bad )faiths?",
            r"falun\w*",
            r"prayers?",
            r"praying",
            r"clergy",
            r"monks?",
            r"imams?",
            r"priests?",
            r"sects?",
            r"cults?",
            r"buddhis\w*",
            r"christian\w*",
            r"muslims?",
            r"islam\w*",
            r"ramadan",
            r"fasting",
            r"koran|quran",
            r"bibles?",
        ),
    ),
    (
        "belief",
        _rx(
            r"beliefs?",
            r"believers?",
            r"ideolog\w*",
            r"conscience",
            r"superstitio\w*",
            r"atheis\w*",
        ),
    ),
    (
        "political opinion",
        _rx(
            r"politic\w*",
            r"party members?(?:hip)?",
            r"(?:communist|opposition|ruling) part(?:y|ies)",
            r"dissent\w*",
            r"dissident\w*",
            r"(?<!audit )(?<!auditor's )(?<!legal )(?<!expert )(?<!court's )opinions?",
            r"activis\w*",
            r"loyalty to the (?:party|state|government)",
            r"patriotis\w*",
        ),
    ),
    (
        "ethnicity",
        _rx(
            r"ethnic\w*",
            r"races?",
            r"racial\w*",
            r"minorit(?:y|ies)(?! shareholders?| stakes?| interests?| investors?)",
            r"nationalit(?:y|ies)",
            r"uyghurs?",
            r"uighurs?",
            r"tibetans?",
            r"kazakhs?",
            r"hukou origin",
        ),
    ),
    (
        "health",
        _rx(
            r"(?<!public )health(?! and safety| code| inspections?| regulations?| standards?"
            r"| permits?| certificates?| licen[cs]es?| insurance)",
            r"illness\w*",
            r"diseases?",
            r"medical(?! insurance| fraud| staff| personnel| workers?| institutions?"
            r"| devices?| waste| supplies| malpractice| negligence)",
            r"disabilit(?:y|ies)",
            r"disabled",
            r"hiv",
            r"mental\w*",
            r"psychiatr\w*",
            r"pregnan\w*",
            r"diagnos\w*",
            r"infertil\w*",
        ),
    ),
    (
        "sexuality",
        _rx(
            r"sexual(?:ity|ities)?(?! harassment| assault| abuse| violence| exploitation"
            r"| offen[cs]es?| crimes?)",
            r"sexual orientation",
            r"gays?",
            r"lesbians?",
            r"lgbt\w*",
            r"homosexual\w*",
            r"bisexual\w*",
            r"transgender\w*",
            r"queer",
        ),
    ),
    (
        "speech",
        _rx(
            r"speech\w*",
            r"online posts?",
            r"internet posts?",
            r"posts? online",
            r"posting",
            r"comment(?:s|ing|ed)?",
            r"social media",
            r"expression(?! of interest)",
            r"expressing",
            r"weibo",
            r"wechat",
            r"microblog\w*",
            r"blog\w*",
            r"criticis\w*",
            r"criticiz\w*",
            r"rumou?rs?",
            r"journalis\w*",
            r"publish\w* (?:views|articles|opinions)",
        ),
    ),
    (
        "petitions to authorities",
        _rx(
            r"(?<!bankruptcy )(?<!winding up )petition\w*",
            r"xinfang",
            r"shangfang",
            r"letters and visits",
            r"complain\w* to (?:the )?(?:higher |upper |central )?(?:level )?"
            r"(?:authorities|government|officials)",
            r"appeal\w* to (?:the )?(?:higher|upper|central)(?: level)?"
            r"(?: authorities| officials| government)?",
        ),
    ),
    (
        "association or assembly",
        _rx(
            r"(?<!by )(?<!industry )(?<!trade )(?<!consumers )(?<!consumer )associations?",
            r"freedom of association",
            r"assembl(?:y|ies)(?! lines?)",
            r"(?<!bill )(?<!bills )(?<!note )(?<!cheque )protest\w*"
            r"(?! of (?:a |the )?(?:bills?|notes?|cheques?|checks?))",
            r"demonstrations?",
            r"demonstrators?",
            r"gatherings?",
            r"union organi[sz]\w*",
            r"unioni[sz]\w*",
            r"independent unions?",
            r"(?:labou?r|workers'?|general|hunger) strikes?",
            r"strike action",
            r"(?:go|goes|going|went) on strike",
            r"rall(?:y|ies)",
            r"sit ins?",
            r"marches",
        ),
    ),
)

# Scoring someone for what other people did: a possessive or "of" construction naming
# a relationship, or a relationship itself used as a source of points.
OTHERS = _rx(
    r"(?:relative|family member|household member|spouse|husband|wife|parent|father|"
    r"mother|child|son|daughter|sibling|brother|sister|friend|acquaintance|contact)'s",
    r"(?:relatives|family members|household members|spouses|parents|siblings|friends|"
    r"acquaintances|contacts)'",
    r"children's (?:conduct|behaviou?r|offen[cs]es?|debts?|records?|scores?|grades|truancy)",
    r"(?:relatives?|family members?|household members?|spouses?|friends?|acquaintances?)"
    r" of",
    r"relatives",
    r"family members?",
    r"household members?",
    r"friends?",
    r"friend lists?",
    r"acquaintances?",
    r"contacts",
    r"contact lists?",
    r"followers",
    r"associates",
    r"associat\w* with",
    r"guilt by association",
    r"social graphs?",
    r"social networks?",
    r"social networking",
    r"social circles?",
    r"(?:interpersonal|personal|social|family) (?:relationships?|relations|ties)",
    r"(?<!labour )(?<!labor )(?<!employment )(?<!contractual )(?<!contract )"
    r"(?<!business )(?<!customer )(?<!client )relationships?",
    r"(?:interpersonal|personal|social|family|network) connections?",
    r"(?<!illegal )(?<!unauthorised )(?<!unauthorized )(?<!electrical )(?<!electricity )"
    r"(?<!water )(?<!gas )(?<!grid )(?<!power )(?<!pipe )connections",
    r"(?:people|persons|someone|anyone) (?:you|they|he|she|the subject|the person) knows?",
)

# Judging what a person buys, plays or prefers as a sign of their character (SYSTEM.md
# §3 lists "behaviour and preference" among Sesame's secret factors; §6 refuses it).
PREFERENCE = _rx(
    r"behaviou?rs? and preferences?",
    r"behaviou?r preferences?",
    r"preferences?",
    r"shopping(?! malls?| centres?| centers?)",
    r"shopping habits?",
    r"consumption habits?",
    r"consumption patterns?",
    r"consumer behaviou?r",
    r"spending habits?",
    r"spending patterns?",
    r"purchases",
    r"purchasing habits?",
    r"purchase history",
    r"buys",
    r"buying habits?",
    r"video games?",
    r"online games?",
    r"computer games?",
    r"lifestyles?",
    r"hobb(?:y|ies)",
)


def _scan(text: str) -> str:
    """A field normalised, with the subject's own care for others blanked out.

    A care phrase followed by a possessive ("supporting relatives' debts") is not
    blanked: what follows is someone else's.
    """
    return _OWN_CARE.sub(" ", _normalise(text))


def _wording(prefix: str, what: str, fields: Sequence[tuple[str, str]]) -> list[Finding]:
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


# -- the validator ----------------------------------------------------------------------
def lint(book: Rulebook, config: LintConfig | None = None) -> list[Finding]:
    """Every policy finding for a rulebook, ordered by field path (``rules[2]`` before
    ``rules[10]``). ``None`` means the default limits."""
    cfg = config if config is not None else LintConfig()
    out: list[Finding] = []
    if not book.legal_basis:
        out.append(Finding("legal_basis", "no-legal-basis", "the rulebook names no legal basis"))
    out += _rules(book, cfg)
    out += _factors(book)
    out += _brackets(book)
    out += _reachability(book)
    return sorted(out, key=lambda f: (_path_key(f.path), f.code, f.message))


def _path_key(path: str) -> tuple[tuple[int, str, int], ...]:
    """Sort key reading ``[n]`` indices as numbers, so rules[10] comes after rules[9]."""
    parts = re.split(r"(\d+)", path)
    return tuple((1, "", int(p)) if p.isdigit() else (0, p, 0) for p in parts)


def _counted_against(book: Rulebook) -> set[str]:
    """Scorecard rules that only ever count against the subject: in some factor they sit
    in the denominator without being in the numerator (an overdue bill among all bills)."""
    out: set[str] = set()
    for f in book.factors:
        out |= set(f.denominator) - set(f.numerator)
    return out


def _max_days(d: Duration) -> int:
    """The longest a duration can be in days: 366 per whole year, 31 per leftover month.

    ``Duration.approx_days`` counts 31 days for every month (372 a year), which would
    make ``P5Y`` "longer than five years" under the default 5 x 366-day limit. Five
    calendar years are at most 1,827 days, so counting whole years as 366 days is still
    an upper bound, and a rule that lasts exactly the limit passes.
    """
    years, months = divmod(d.months, 12)
    return years * 366 + months * 31 + d.days


def _rules(book: Rulebook, cfg: LintConfig) -> list[Finding]:
    out: list[Finding] = []
    grades = {g.grade for g in book.grades}
    top = _top_grade(book)
    authorities = {a.id for a in book.authorities}
    against = _counted_against(book) if book.kind == "scorecard" else set()
    years = cfg.max_negative_lasts_days / 366
    for i, r in enumerate(book.rules):
        p = f"rules[{i}]"
        what = f"rule {r.code!r}"
        if not r.legal_basis:
            out.append(Finding(f"{p}.legal_basis", "no-legal-basis", f"{what} has no legal basis"))
        if not r.evidence:
            out.append(
                Finding(f"{p}.evidence", "no-evidence", f"{what} requires no evidence document")
            )
        negative = r.points < 0 or r.cap_grade is not None or r.code in against
        if r.lasts is None:
            if book.kind == "scorecard":
                out.append(
                    Finding(
                        f"{p}.lasts",
                        "unbounded-record",
                        f"{what} never stops counting: scorecard records count over a window",
                    )
                )
            elif negative:
                out.append(
                    Finding(
                        f"{p}.lasts",
                        "unbounded-penalty",
                        f"{what} is negative and never ends: give it a 'lasts' duration",
                    )
                )
        elif negative and _max_days(r.lasts) > cfg.max_negative_lasts_days:
            out.append(
                Finding(
                    f"{p}.lasts",
                    "penalty-too-long",
                    f"{what} is negative and lasts {r.lasts.iso()}, "
                    f"longer than the limit of {cfg.max_negative_lasts_days} days "
                    f"(about {years:g} years)",
                )
            )
        out += _wording(
            p,
            what,
            (
                ("category", r.category),
                ("code", r.code),
                ("title", r.title),
                ("description", r.description),
            ),
        )
        if r.conduct_of != "subject":
            out.append(
                Finding(
                    f"{p}.conduct_of",
                    "others-conduct",
                    f"{what} scores the subject for the conduct of {r.conduct_of!r}",
                )
            )
        if r.cap_grade is not None:
            if r.cap_grade not in grades:
                out.append(
                    Finding(
                        f"{p}.cap_grade",
                        "unknown-grade",
                        f"{what} caps at {r.cap_grade!r}, which is not one of the grades",
                    )
                )
            elif r.cap_grade == top:
                out.append(
                    Finding(
                        f"{p}.cap_grade",
                        "cap-no-effect",
                        f"{what} caps at the top grade {r.cap_grade!r}, which changes nothing",
                        WARNING,
                    )
                )
        if not r.authorities:
            out.append(
                Finding(f"{p}.authorities", "no-authority", f"no authority may issue {what}")
            )
        for a in r.authorities:
            if a not in authorities:
                out.append(
                    Finding(
                        f"{p}.authorities",
                        "unknown-authority",
                        f"{what} names authority {a!r}, which is not declared in [[authorities]]",
                    )
                )
        # Excusing circumstances are free text shown to reviewers; an empty one says
        # nothing and is almost certainly a typo.
        if any(not e for e in r.excusing):
            out.append(
                Finding(
                    f"{p}.excusing",
                    "empty-excusing",
                    f"{what} lists an empty excusing circumstance",
                    WARNING,
                )
            )
    return out


def _factors(book: Rulebook) -> list[Finding]:
    out: list[Finding] = []
    codes = {r.code for r in book.rules}
    for i, f in enumerate(book.factors):
        p = f"factors[{i}]"
        what = f"factor {f.code!r}"
        out += _wording(
            p,
            what,
            (
                ("category", f.category),
                ("code", f.code),
                ("title", f.title),
                ("description", f.description),
            ),
        )
        for part, names in (("numerator", f.numerator), ("denominator", f.denominator)):
            for name in names:
                if name not in codes:
                    out.append(
                        Finding(
                            f"{p}.{part}",
                            "unknown-rule",
                            f"{what} counts {name!r}, which is not one of the rules",
                        )
                    )
        if f.measure == "ratio" and not f.denominator:
            out.append(
                Finding(
                    f"{p}.denominator",
                    "bad-factor",
                    f"{what} is a ratio with no denominator",
                )
            )
    return out


# -- brackets and reachability ----------------------------------------------------------
@dataclass(frozen=True)
class _Span:
    """A grade's bracket as an inclusive range clipped to the rulebook's range."""

    grade: str
    index: int
    low: int
    high: int

    @property
    def empty(self) -> bool:
        return self.low > self.high


def _spans(book: Rulebook) -> list[_Span]:
    out = []
    for i, g in enumerate(book.grades):
        lo = book.low if g.low is None else max(g.low, book.low)
        hi = book.high if g.high is None else min(g.high, book.high)
        out.append(_Span(g.grade, i, lo, hi))
    return out


def _top_grade(book: Rulebook) -> str | None:
    """The best grade: the one whose bracket starts highest (whatever the listing order)."""
    spans = [s for s in _spans(book) if not s.empty]
    return max(spans, key=lambda s: (s.low, s.high)).grade if spans else None


def _brackets(book: Rulebook) -> list[Finding]:
    """The brackets must partition [low, high]: every score has exactly one grade.

    A bracket that is empty within the range (``min`` above ``max``, or entirely
    outside the range) takes no part in the partition; it is reported as unreachable.
    """
    out: list[Finding] = []
    if not (book.low <= book.base <= book.high):
        out.append(
            Finding(
                "base",
                "base-out-of-range",
                f"base {book.base} is outside the range {book.low}..{book.high}",
            )
        )
    if not book.grades:
        return [*out, Finding("grades", "bracket-gap", "no grades are defined")]
    spans = [s for s in _spans(book) if not s.empty]
    starts = [s.low for s in spans]
    if starts != sorted(starts, reverse=True):
        out.append(Finding("grades", "bracket-order", "grades must be listed best (highest) first"))
    expect = book.low
    for s in sorted(spans, key=lambda s: (s.low, s.high, s.index)):
        if s.low > expect:
            out.append(
                Finding(
                    f"grades[{s.index}]",
                    "bracket-gap",
                    f"scores {expect}..{s.low - 1} have no grade (just below {s.grade!r})",
                )
            )
        elif s.low < expect:
            out.append(
                Finding(
                    f"grades[{s.index}]",
                    "bracket-overlap",
                    f"grade {s.grade!r} overlaps the grade below it at "
                    f"{s.low}..{min(expect - 1, s.high)}",
                )
            )
        expect = max(expect, s.high + 1)
    if expect <= book.high:
        out.append(Finding("grades", "bracket-gap", f"scores {expect}..{book.high} have no grade"))
    return out


def score_bounds(book: Rulebook) -> tuple[int, int]:
    """The lowest and highest score the rules can ever produce, clamped to the range.

    Points: events can repeat, so any positive rule reaches ``high`` and any negative
    rule reaches ``low``. Scorecards: the base plus each factor's worst (or best) bin,
    counting ``empty_points`` as a bin.
    """
    if book.kind == "scorecard":
        lo = book.base + sum(
            min([b.points for b in f.bins] + [f.empty_points]) for f in book.factors
        )
        hi = book.base + sum(
            max([b.points for b in f.bins] + [f.empty_points]) for f in book.factors
        )
    else:
        hi = book.high if any(r.points > 0 for r in book.rules) else book.base
        lo = book.low if any(r.points < 0 for r in book.rules) else book.base
    return _clamp(lo, book), _clamp(hi, book)


def _clamp(score: int, book: Rulebook) -> int:
    return max(book.low, min(book.high, score))


def _reachability(book: Rulebook) -> list[Finding]:
    """Grades and perks nobody can ever get are a sign the rulebook is not what it says."""
    lo, hi = score_bounds(book)
    caps = {r.cap_grade for r in book.rules if r.cap_grade is not None}
    out: list[Finding] = []
    reachable: set[str] = set()
    for s in _spans(book):
        if s.grade in caps or (not s.empty and s.low <= hi and s.high >= lo):
            reachable.add(s.grade)
            continue
        g = book.grades[s.index]
        bracket = f"{'' if g.low is None else g.low}..{'' if g.high is None else g.high}"
        out.append(
            Finding(
                f"grades[{s.index}]",
                "unreachable-grade",
                f"grade {s.grade!r} ({bracket}) cannot be reached: scores stay in {lo}..{hi}",
            )
        )
    known = {g.grade for g in book.grades}
    for i, perk in enumerate(book.perks):
        what = f"perk {perk.code!r}"
        for g_name in perk.grades:
            if g_name not in known:
                out.append(
                    Finding(
                        f"perks[{i}].grades",
                        "unknown-grade",
                        f"{what} names {g_name!r}, which is not one of the grades",
                    )
                )
        named = [g for g in perk.grades if g in known]
        if named and not any(g in reachable for g in named):
            out.append(
                Finding(
                    f"perks[{i}].grades",
                    "unreachable-perk",
                    f"{what} can never be granted: none of its grades can be reached",
                )
            )
        if perk.min_score is not None and perk.min_score > hi:
            out.append(
                Finding(
                    f"perks[{i}].min_score",
                    "unreachable-perk",
                    f"{what} can never be granted: it needs {perk.min_score}, "
                    f"scores stay at or below {hi}",
                )
            )
    return out


def render(findings: Iterable[Finding], file: str) -> list[str]:
    """One line per finding, ``FILE: PATH: severity CODE: message``, the form editors and
    CI logs already know how to jump to."""
    return [f"{file}: {f.path}: {f.severity} {f.code}: {f.message}" for f in findings]
