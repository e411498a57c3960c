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


@pytest.mark.xfail(
    strict=True,
    reason="a list entry names no conduct, so the severity an authority gives it cannot be "
    "held to the catalogue's severity of the conduct: smoking on a train proposed as "
    "'serious' (the false bomb threat's severity) is banned a year, not 180 days. A fix "
    "makes lists citing several conducts require the entry's conduct and take its severity "
    "from the catalogue (an API and CLI change).",
)
def test_a_severity_harsher_than_the_conducts_is_refused(make_app) -> None:
    from socialcredit.core.errors import BadInput

    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    with pytest.raises(BadInput):
        listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 8, 1), "serious")
