"""The one relational definition of scoring, generated from a rulebook as one SQL text.

Every engine (DuckDB embedded, Spark for scale-out) runs this very text over a table
``events(event, subject, rule, occurred, reverses)``. The only engine-specific parts are
two date functions, because adding months to a date is spelled differently; both clamp
to the end of the month exactly as ``core/periods.add_duration`` does, months first,
then days. The meaning is the core's: tests hold all engines to identical results.

The text is built from a parsed rulebook only: string literals pass through ``_lit``
(quotes doubled) and identifiers through ``_col`` (letters, digits, underscores), so no
input reaches the SQL unescaped (hence the S608 exemption for this file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from socialcredit.core.rulebook import Factor, Rulebook


@dataclass(frozen=True)
class Dialect:
    name: str
    add_months: str  # format with {d} and {n}
    add_days: str

    def ends(self, d: str, months: str, days: str) -> str:
        return self.add_days.format(d=self.add_months.format(d=d, n=months), n=days)


DUCKDB = Dialect(
    "duckdb",
    "CAST({d} + to_months(CAST({n} AS INTEGER)) AS DATE)",
    "CAST({d} + to_days(CAST({n} AS INTEGER)) AS DATE)",
)
SPARK = Dialect("spark", "add_months({d}, CAST({n} AS INT))", "date_add({d}, CAST({n} AS INT))")


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _rules_values(book: Rulebook) -> str:
    ranks = {g.grade: i for i, g in enumerate(book.grades)}
    rows = []
    for r in book.rules:
        months = r.lasts.months if r.lasts else 0
        days = r.lasts.days if r.lasts else 0
        cap = ranks.get(r.cap_grade, -1) if r.cap_grade else -1
        rows.append(f"({_lit(r.code)}, {r.points}, {months}, {days}, {1 if r.lasts else 0}, {cap})")
    return ", ".join(rows) or "('', 0, 0, 0, 0, -1)"


def _grades_values(book: Rulebook) -> str:
    rows = []
    for i, g in enumerate(book.grades):
        low = book.low if g.low is None else g.low
        high = book.high if g.high is None else g.high
        rows.append(f"({i}, {_lit(g.grade)}, {low}, {high})")
    return ", ".join(rows)


def _factor_points(f: Factor, counts: str) -> str:
    def total(rules: tuple[str, ...]) -> str:
        return " + ".join(f"COALESCE({counts}.{_col(r)}, 0)" for r in rules) or "0"

    num = total(f.numerator)
    if f.measure == "count":
        value = f"({num})"
    else:
        den = total(f.denominator)
        share = f"CAST(FLOOR(100.0 * ({num}) / ({den})) AS BIGINT)"
        value = f"(CASE WHEN ({den}) = 0 THEN NULL ELSE {share} END)"
    cases = " ".join(f"WHEN {value} >= {b.start} THEN {b.points}" for b in reversed(f.bins))
    return f"(CASE WHEN {value} IS NULL THEN {f.empty_points} {cases} ELSE {f.empty_points} END)"


def _col(rule: str) -> str:
    return "n_" + "".join(c if c.isalnum() else "_" for c in rule)


def scoring_sql(
    book: Rulebook,
    as_of: date,
    dialect: Dialect,
    events: str = "events",
    roster: str | None = None,
) -> str:
    """SELECT subject, score, grade, capped for every subject in ``events`` on ``as_of``.

    With ``roster`` (a table with a ``subject`` column), its subjects are scored too:
    a registered resident with no events has the base score, not no score.
    """
    day = f"DATE '{as_of.isoformat()}'"
    ends = dialect.ends("e.occurred", "r.months", "r.days")
    counted = f"""
counted AS (
  SELECT e.subject, e.rule, r.points, r.cap_rank
  FROM {events} e
  JOIN (VALUES {_rules_values(book)}) AS r(rule, points, months, days, bounded, cap_rank)
    ON e.rule = r.rule
  LEFT JOIN reversed v ON v.subject = e.subject AND v.target = e.event
  WHERE e.reverses IS NULL AND e.occurred <= {day}
    AND (r.bounded = 0 OR {day} < {ends})
    AND v.target IS NULL
)"""
    everyone = f"SELECT DISTINCT subject FROM {events}"
    if roster is not None:
        everyone = f"SELECT subject FROM {roster} UNION SELECT subject FROM {events}"
    head = f"""
WITH reversed AS (
  SELECT DISTINCT subject, reverses AS target FROM {events}
  WHERE reverses IS NOT NULL
),
subjects AS ({everyone}),
{counted.strip()},
grades AS (SELECT * FROM (VALUES {_grades_values(book)}) AS g(grade_rank, grade, low, high))"""
    if book.kind == "scorecard":
        used = sorted({r for f in book.factors for r in (*f.numerator, *f.denominator)})
        pivots = (
            ",\n    ".join(
                f"SUM(CASE WHEN c.rule = {_lit(r)} THEN 1 ELSE 0 END) AS {_col(r)}" for r in used
            )
            or "0 AS n_none"
        )
        points = " + ".join(_factor_points(f, "k") for f in book.factors) or "0"
        raw = f"""
counts AS (
  SELECT s.subject,
    {pivots},
    MAX(c.cap_rank) AS cap_rank
  FROM subjects s LEFT JOIN counted c ON c.subject = s.subject
  GROUP BY s.subject
),
raw AS (SELECT k.subject, {book.base} + {points} AS raw, k.cap_rank FROM counts k)"""
    else:
        raw = f"""
raw AS (
  SELECT s.subject, {book.base} + COALESCE(SUM(c.points), 0) AS raw, MAX(c.cap_rank) AS cap_rank
  FROM subjects s LEFT JOIN counted c ON c.subject = s.subject
  GROUP BY s.subject
)"""
    tail = f"""
scored AS (
  SELECT subject, CAST(LEAST(GREATEST(raw, {book.low}), {book.high}) AS BIGINT) AS score,
         COALESCE(cap_rank, -1) AS cap_rank
  FROM raw
),
graded AS (
  SELECT s.subject, s.score, g.grade_rank AS uncapped,
         GREATEST(g.grade_rank, s.cap_rank) AS final_rank
  FROM scored s JOIN grades g ON s.score BETWEEN g.low AND g.high
)
SELECT x.subject, CAST(x.score AS INT) AS score, g.grade, x.final_rank <> x.uncapped AS capped
FROM graded x JOIN grades g ON g.grade_rank = x.final_rank
ORDER BY x.subject"""
    return head + "," + raw + "," + tail
