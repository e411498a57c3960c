"""Attack on sealed access-log purposes (issue 12): every kind of read, every spelling.

Purposes about a subject are sealed under its key. The import's access records were
sealed with the pseudonym as associated data while the subject's export opened them
with the ID, so the subject read "[erased]" for who imported its data and why, key and
all. Now every purpose is sealed with the pseudonym (the one spelling all writers share)
and opened whichever form the reader gives; ``ledger verify`` holds; the subject reads
each purpose in clear; none is at rest in clear, before or after erasure.
"""

from __future__ import annotations

from datetime import date

from socialcredit import sealing
from socialcredit.application import Actor
from tests.attacks.test_erasure_sweep import found
from tests.conftest import OP
from tests.store.test_erasure import NOW, SUBJECT, SUBJECT_15

OFFICE = "rongcheng-credit-office"
PURPOSES = {
    "import": "IMPORTPURPOSE fines batch q1w2",
    "operator": "OPERATORPURPOSE audit e3r4",
    "check": "CHECKPURPOSE ticket t5y6",
}


def test_every_purpose_reads_in_clear_to_the_subject_and_is_sealed_at_rest(
    db_url, make_app
) -> None:
    setup = make_app(NOW)
    REG = Actor.operator("registration")
    setup.records.add_subject(REG, SUBJECT, "person", "Purpose Reader")
    importer = make_app(NOW)
    imported = importer.imports.events(
        Actor.operator(PURPOSES["import"]),
        iter(
            [
                (
                    2,
                    {
                        "subject": [SUBJECT_15, SUBJECT.lower()],
                        "rule": ["traffic-violation", "volunteer-service"],
                        "occurred": ["2019-01-10", "2019-02-10"],
                        "scheme": ["rongcheng", "rongcheng"],
                        "authority": ["rongcheng-traffic-police", "rongcheng-credit-office"],
                        "evidence": ["imp/1", "imp/2"],
                    },
                )
            ]
        ),
        workers=1,
    )
    assert imported.created == 2
    operator = make_app(NOW)
    operator.access.export(Actor.operator(PURPOSES["operator"]), SUBJECT_15)
    setup.lists.check(
        Actor("airline-demo", "verifier", PURPOSES["check"]), SUBJECT.lower(), "flight"
    )
    honour = setup.lists.propose(
        OP,
        SUBJECT,
        "honour-roll",
        authority=OFFICE,
        evidence_ref="award",
        occurred=date(2024, 5, 1),
        fields={"citation": "volunteer"},
    ).event
    setup.lists.transition(
        OP, honour, "notify", authority=OFFICE, evidence_ref="n", occurred=date(2024, 5, 1)
    )
    setup.lists.consent(OP, honour, SUBJECT, True, date(2024, 5, 2))
    assert len(setup.lists.board(OP, "honour-roll")) == 1
    setup.log.sign_head()
    for spelling in (SUBJECT, SUBJECT_15, SUBJECT.lower()):
        purposes = {r["action"]: r["purpose"] for r in setup.access.records(OP, spelling)}
        assert purposes["event.record"] == PURPOSES["import"], purposes
        assert PURPOSES["operator"] in purposes.values()
        assert PURPOSES["check"] in purposes.values()
        assert purposes["board.read"] == "public honour board (consented)"
        assert sealing.ERASED not in purposes.values()
    assert found(db_url, tuple(PURPOSES.values())) == {}
    assert setup.integrity.verify()[1] is None
    with setup.store.transaction() as conn:  # as retention would (the honour is current)
        setup.erasure.erase_subject_key(
            conn, OP, SUBJECT, occurred=NOW.date(), authority="system:retention", reason="test"
        )
    assert setup.access.export(OP, SUBJECT).model_dump(mode="json")["name"] == "[erased]"
    assert found(db_url, tuple(PURPOSES.values())) == {}
    assert setup.integrity.verify()[1] is None
