"""Attack on erasure (issue 12): after it, read every column of every table with raw SQL.

The byte searches in tests/store/test_erasure.py read the files; this reads the rows, so
it names the table and column where a personal text survives: the access log (a
verifier's stated purpose), notices, the figures tables, list-entry fields, dispute
information and repair statements, next to what that test already seeds. Bad erasure
requests change nothing.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, inspect, text

from socialcredit.application import Actor
from socialcredit.core.errors import BadInput, Conflict, NotFound
from tests.conftest import OP
from tests.store.test_erasure import NAME, NOBODY, NOW, OTHER, SUBJECT, TEXTS, populate

CASE = "CASEFIELD-zq91x"
INFO = "INFOTEXT more receipts p0o9"
PURPOSE_NAME = NAME  # a verifier naming the subject in its purpose


def every_row(db_url: str) -> dict[tuple[str, str], list[str]]:
    """(table, column) -> every non-null value as text, for every table of the store."""
    engine = create_engine(db_url)
    out: dict[tuple[str, str], list[str]] = {}
    try:
        with engine.connect() as conn:
            for table in inspect(conn).get_table_names():
                rows = conn.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
                for row in rows:
                    for column, value in row.items():
                        if value is not None:
                            shown = (
                                value.decode("latin-1") if isinstance(value, bytes) else str(value)
                            )
                            out.setdefault((table, column), []).append(shown)
    finally:
        engine.dispose()
    return out


def found(db_url: str, needles: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    hits: dict[str, list[tuple[str, str]]] = {}
    for where, values in every_row(db_url).items():
        for needle in needles:
            if any(needle in v for v in values):
                hits.setdefault(needle, []).append(where)
    return hits


def seed_more(app, purpose: str) -> None:
    entry = app.lists.propose(
        OP,
        SUBJECT,
        "court-defaulters",
        authority="rongcheng-people-court",
        evidence_ref="judgment/erasure",
        occurred=date(2019, 1, 5),
        fields={
            "case_number": CASE,
            "court": "Rongcheng",
            "judgment_date": "2018-12-01",
            "obligation": "pay",
        },
    ).event
    app.lists.transition(
        OP,
        entry,
        "notify",
        authority="rongcheng-people-court",
        evidence_ref="n/1",
        occurred=date(2019, 1, 6),
    )
    app.lists.transition(
        OP,
        entry,
        "remedy",
        authority="rongcheng-people-court",
        evidence_ref="paid/1",
        occurred=date(2019, 2, 1),
    )
    d = app.disputes.open(
        OP, entry, subject=SUBJECT, statement="paid", evidence_ref=None, occurred=NOW.date()
    )
    app.disputes.add_info(
        OP, d, subject=SUBJECT, statement=INFO, evidence_ref=None, occurred=NOW.date()
    )
    app.disputes.decide(
        OP,
        d,
        reviewer="rongcheng-review-board",
        outcome="upheld",
        reason="judgment stands",
        occurred=NOW.date(),
    )
    app.lists.check(Actor("airline-demo", "verifier", purpose), SUBJECT, "flight")
    app.figures.figures(OP, NOW.date())


def test_no_personal_text_in_any_row_after_erasure(db_url, make_app) -> None:
    app = make_app(NOW)
    populate(app)
    seed_more(app, f"ticket for {PURPOSE_NAME}")
    needles = (*TEXTS, CASE, INFO, PURPOSE_NAME)
    app.upkeep.tick(OP, NOW.date())
    assert app.access.export(OP, SUBJECT).model_dump(mode="json")["name"] == "[erased]"
    assert found(db_url, needles) == {}, found(db_url, needles)


def test_sealed_texts_are_in_no_row_after_erasure(db_url, make_app) -> None:
    """Everything but the verifier's purpose: no row holds any of it after erasure."""
    app = make_app(NOW)
    populate(app)
    seed_more(app, "ticket sale")
    needles = (*TEXTS, CASE, INFO)
    app.upkeep.tick(OP, NOW.date())
    assert app.access.export(OP, SUBJECT).model_dump(mode="json")["name"] == "[erased]"
    assert found(db_url, needles) == {}


def test_bad_erasure_requests_change_nothing(db_url, make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, SUBJECT, "person", "Wang Wei")
    app.records.add_subject(OP, OTHER, "person", "Li Na")
    app.records.record(
        OP,
        SUBJECT,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/1",
        occurred=NOW.date(),
    )
    before = every_row(db_url)
    with pytest.raises(NotFound):
        app.erasure.erase(OP, NOBODY, requested_by_subject=True)
    with pytest.raises(BadInput):
        app.erasure.erase(OP, SUBJECT, requested_by_subject=False)
    with pytest.raises(Conflict):  # a retention rule holds for the fresh ticket
        app.erasure.erase(OP, SUBJECT, requested_by_subject=True)
    with pytest.raises(BadInput):
        app.erasure.erase(OP, "not-an-id", requested_by_subject=True)
    assert every_row(db_url) == before


def test_a_sealed_purpose_reads_in_clear_to_the_subject_until_erasure(db_url, make_app) -> None:
    """Sealing the purpose must not hide from the subject who looked and why."""
    app = make_app(NOW)
    populate(app)
    seed_more(app, f"ticket for {PURPOSE_NAME}")
    purposes = {r["purpose"] for r in app.access.records(OP, SUBJECT)}
    assert f"ticket for {PURPOSE_NAME}" in purposes
    assert not any(str(p).startswith("sealed:") for p in purposes)
    stored = found(db_url, (PURPOSE_NAME,))
    assert stored == {}, stored  # sealed at rest even before erasure
