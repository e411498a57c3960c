"""Attack on bans sized to the offence (issue 14, item 2): dates bent, on both stores.

An entry's term is fixed when it is proposed: a first offence gets the first term. The
sizing ordered entries by their stated dates only, so an entry recorded *later* but
dated *earlier* (a backdated proposal, or an old entry notified late) turned an entry
already notified as a first offence into a repeat and lengthened its ban after the
fact (180 days became a year). Only entries recorded before it, on or before its date
and notified by then make a repeat. The window's edges and voided priors: held.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import OP
from tests.store.test_sized_bans import NOW, RAIL, TRANSPORT, P, entry, listed


def test_a_backdated_later_entry_does_not_lengthen_a_notified_ban(make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    first = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 8, 1))
    assert entry(app, P, first).max_end == date(2028, 1, 28)  # 180 days
    # recorded afterwards, dated a month before
    listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 7, 1))
    assert (entry(app, P, first).max_end, entry(app, P, first).offence) == (
        date(2028, 1, 28),
        1,
    )


def test_an_earlier_entry_notified_late_does_not_lengthen_a_later_ban(make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    old = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 2, 1), notify=False)
    later = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 3, 1))
    assert entry(app, P, later).max_end == date(2027, 8, 28)
    app.lists.transition(
        OP, old, "notify", authority=RAIL, evidence_ref="n", occurred=date(2027, 8, 1)
    )
    assert entry(app, P, later).max_end == date(2027, 8, 28)  # still a first offence


def test_the_repeat_window_edges(make_app) -> None:
    """P2Y from the earlier entry's date: the day before its second anniversary is a
    repeat, the anniversary itself is not."""
    from datetime import UTC, datetime

    app = make_app(datetime(2029, 6, 1, tzinfo=UTC))
    app.records.add_subject(OP, P, "person", "Wang Wei")
    listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 1, 10))
    inside = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2029, 1, 9))
    assert entry(app, P, inside).offence == 2
    other = "110105198001010016"
    app.records.add_subject(OP, other, "person", "Li Na")
    listed(app, "transport-misconduct", other, RAIL, TRANSPORT, date(2027, 1, 10))
    outside = listed(app, "transport-misconduct", other, RAIL, TRANSPORT, date(2029, 1, 10))
    assert entry(app, other, outside).offence == 1


def test_a_proposal_dated_after_the_clock_or_on_the_wrong_kind_writes_nothing(make_app) -> None:
    from datetime import UTC, datetime

    import pytest

    from socialcredit.core.errors import BadInput
    from tests.store.test_sized_bans import FINE, ORG, counts

    app = make_app(datetime(2026, 12, 15, tzinfo=UTC))
    app.records.add_subject(OP, P, "person", "Wang Wei")
    app.records.add_subject(OP, ORG, "organisation", "Harbour Logistics Ltd")
    before = counts(app)
    with pytest.raises(BadInput):  # dated in 2027 while the clock says 2026
        listed(app, "unpaid-fines", P, "rongcheng-police", FINE, date(2027, 1, 5), notify=False)
    with pytest.raises(BadInput):  # and the version that sizes it is not in force yet
        listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 1, 5), notify=False)
    assert counts(app) == before
    later = make_app(datetime(2027, 3, 1, tzinfo=UTC))
    before = counts(later)
    with pytest.raises(BadInput, match="holds persons"):
        listed(later, "unpaid-fines", ORG, "rongcheng-police", FINE, date(2027, 2, 1))
    assert counts(later) == before


def test_an_entry_under_the_2018_version_is_a_prior_for_a_2027_repeat(make_app) -> None:
    """The window looks back across versions: the offence is the same list's."""
    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2026, 6, 1))
    second = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 3, 1))
    assert (entry(app, P, second).offence, entry(app, P, second).max_end) == (2, date(2028, 3, 1))


def test_a_severity_harsher_than_the_conducts_is_refused(make_app) -> None:
    """Smoking on a train proposed as 'serious' (the false bomb threat's severity) would
    be banned a year, not 180 days: a severity other than the list's own needs the
    conduct it comes from, and the catalogue, not the proposal, gives it."""
    from socialcredit.core.errors import BadInput
    from tests.store.test_sized_bans import counts

    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    before = counts(app)
    with pytest.raises(BadInput, match="must name its conduct"):
        listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 8, 1), "serious")
    for conduct, severity, words in (
        ("disrupting-transport-order", "serious", "makes disrupting-transport-order general"),
        ("fine-unpaid", None, "not 'fine-unpaid'"),
        ("fine-unpaid", "serious", "not 'fine-unpaid'"),
    ):
        with pytest.raises(BadInput, match=words):
            _with_conduct(app, conduct, severity)
    assert counts(app) == before  # nothing written


def _with_conduct(app, conduct: str, severity: str | None = None, day=date(2027, 8, 1)) -> int:
    r = app.lists.propose(
        OP,
        P,
        "transport-misconduct",
        authority=RAIL,
        evidence_ref=f"decision/{conduct}/{day}",
        occurred=day,
        fields=TRANSPORT,
        severity=severity,
        conduct=conduct,
    )
    app.lists.transition(OP, r.event, "notify", authority=RAIL, evidence_ref="n", occurred=day)
    return r.event


def test_the_conduct_named_gives_the_severity_and_the_term(make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    smoking = _with_conduct(app, "disrupting-transport-order")
    threat = _with_conduct(app, "false-terrorism-information", "serious", date(2027, 8, 2))
    e, t = entry(app, P, smoking), entry(app, P, threat)
    assert (e.conduct, e.severity, e.max_end) == (
        "disrupting-transport-order",
        "general",
        date(2028, 1, 28),  # 180 days
    )
    assert (t.conduct, t.severity, t.offence, t.max_end) == (
        "false-terrorism-information",
        "serious",
        2,
        date(2028, 8, 2),  # a year
    )
    # The list's own severity may still be given alone, as before.
    plain = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 8, 3), "general")
    assert entry(app, P, plain).conduct is None


def test_an_entry_recorded_before_conducts_were_named_keeps_its_severity(make_app) -> None:
    """A 'serious' entry with no conduct already on the ledger folds as it was given."""
    from dataclasses import replace

    from socialcredit.core import lists as lists_core

    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    with app.store.transaction() as conn:
        d = app.lists._list_def(conn, "transport-misconduct")
        old = lists_core.propose(
            d,
            subject=P,
            subject_kind="person",
            authority=RAIL,
            evidence="decision/old",
            occurred=date(2027, 3, 1),
            today=NOW.date(),
            recorded=NOW.isoformat(),
            fields=TRANSPORT,
        )
        (done,) = app.lists._append(
            conn, [replace(old, data={**old.data, "severity": "serious"})], OP
        )
    app.lists.transition(
        OP, done.id, "notify", authority=RAIL, evidence_ref="n", occurred=date(2027, 3, 1)
    )
    e = entry(app, P, done.id)
    assert (e.conduct, e.severity, e.max_end) == (None, "serious", date(2028, 3, 1))
