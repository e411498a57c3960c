"""Attack on keyed pseudonyms (issue 12), second round: every write path, both stores.

A person and an organisation go through every path that writes about them (events, a
list entry on each new list, an honour-board showing, a check, a check refused for a
service of another kind of subject, an import with the ID spelled in its 15-digit and
lower-case forms, figures, a token, a signed head, an export), then every table is read
with raw SQL for the IDs in every spelling: only the key rows hold them. After the
person's erasure no row holds the person's ID.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from socialcredit.application import Actor
from socialcredit.core.errors import BadInput
from tests.attacks.test_erasure_sweep import found
from tests.conftest import OP
from tests.store.test_erasure import pg_files, search, sqlite_files
from tests.store.test_sized_bans import ARREARS, FINE, ORG, counts, listed

P = "11010519491231002X"
P15 = "110105491231002"
NOW = datetime(2027, 9, 1, 12, tzinfo=UTC)
OFFICE = "rongcheng-credit-office"
FORMS = (P, P15, P.lower(), ORG, ORG.lower())


def test_only_key_rows_hold_an_id_on_any_path(db_url, make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, P15, "person", "Old Card Holder")  # registered by the 15-digit form
    app.records.add_subject(OP, ORG, "organisation", "Harbour Logistics Ltd")
    app.records.record(
        OP,
        P.lower(),
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="cam/1",
        occurred=date(2027, 8, 1),
    )
    listed(app, "unpaid-fines", P, "rongcheng-police", FINE, date(2027, 3, 1))
    listed(
        app,
        "social-insurance-arrears",
        ORG.lower(),
        "rongcheng-social-insurance",
        ARREARS,
        date(2027, 3, 1),
    )
    for who in (P, ORG):
        honour = app.lists.propose(
            OP,
            who,
            "honour-roll",
            authority=OFFICE,
            evidence_ref="award",
            occurred=date(2027, 5, 1),
            fields={"citation": "good neighbour"},
        ).event
        app.lists.transition(
            OP, honour, "notify", authority=OFFICE, evidence_ref="n", occurred=date(2027, 5, 1)
        )
        app.lists.consent(OP, honour, who, True, date(2027, 5, 2))
    assert len(app.lists.board(OP, "honour-roll")) == 2
    app.lists.check(Actor("airline-demo", "verifier", f"ticket for {P}"), P15, "flight")
    app.lists.check(Actor("procurement-demo", "verifier", f"tender by {ORG}"), ORG, "public-tender")
    result = app.imports.events(
        OP,
        iter(
            [
                (
                    2,
                    {
                        "subject": [P15, P.lower()],
                        "rule": ["traffic-violation", "traffic-violation"],
                        "occurred": ["2027-08-10", "2027-08-11"],
                        "scheme": ["rongcheng", "rongcheng"],
                        "authority": ["rongcheng-traffic-police"] * 2,
                        "evidence": [f"import about {P}", "import/2"],
                    },
                )
            ]
        ),
        workers=1,
    )
    assert result.created == 2
    app.tokens.issue(OP, "subject", P15)
    app.tokens.issue(OP, "subject", ORG.lower())
    app.access.export(OP, P)
    app.figures.figures(OP, NOW.date())
    app.log.sign_head()
    hits = found(db_url, FORMS)
    assert {where for places in hits.values() for where in places} <= {
        ("subject_keys", "subject_id")
    }, hits
    assert app.integrity.verify()[1] is None
    # The person's key goes (its entries are current: as retention would, by hand), and
    # with it every spelling of its ID, from every row and every byte of the files.
    with app.store.transaction() as conn:
        app.erasure.erase_subject_key(
            conn, OP, P, occurred=NOW.date(), authority="system:retention", reason="test"
        )
    assert app.store.shred_keys().done
    person = (P, P15, P.lower())
    assert found(db_url, person) == {}
    files = (
        sqlite_files(Path(db_url.removeprefix("sqlite:///")))
        if "sqlite" in db_url
        else (pg_files(db_url))
    )
    assert search(files, {s: s.encode() for s in person}) == {}
    assert app.integrity.verify()[1] is None


def test_a_check_for_a_service_of_another_kind_records_nothing(db_url, make_app) -> None:
    """Also asked by a lower-case ID, as of a past day and replayed as known then."""
    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    before = counts(app)
    asks = [
        {},
        {"as_of": date(2027, 1, 5)},
        {"known_at": datetime(2027, 8, 1, tzinfo=UTC)},
    ]
    for extra in asks:
        with pytest.raises(BadInput, match="decided only for organisation"):
            app.lists.check(
                Actor("procurement-demo", "verifier", "tender"),
                P.lower(),
                "public-tender-fast-track",
                **extra,
            )
    assert counts(app) == before


def test_two_writers_registering_two_spellings_of_one_id_leave_one_subject(
    db_url, make_app
) -> None:
    import threading

    from socialcredit.core.errors import Conflict
    from tests.conftest import raw_sql

    apps = [make_app(NOW), make_app(NOW)]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def register(app, spelling: str) -> None:
        barrier.wait()
        try:
            outcomes.append(app.records.add_subject(OP, spelling, "person", "Twice"))
        except Conflict as exc:  # the loser of a race on PostgreSQL: nothing written
            outcomes.append(exc)

    threads = [
        threading.Thread(target=register, args=(a, s))
        for a, s in zip(apps, (P15, P.lower()), strict=True)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert (P, True) in outcomes, outcomes
    assert raw_sql(db_url, "SELECT count(*) FROM subjects")[0][0] == 1
    assert raw_sql(db_url, "SELECT count(*) FROM subject_keys")[0][0] == 1
    assert apps[1].access.export(OP, P15).model_dump(mode="json")["name"] == "Twice"
    assert apps[0].integrity.verify()[1] is None
