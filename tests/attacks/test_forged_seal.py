"""Attack on sealing (issue 12, second round): free text that only *looks* sealed.

Every personal free text (evidence reference, reason, dispute statement, a verifier's
purpose) is sealed under the subject's key unless it already starts with
``sealing.PREFIX``, because entries re-sealed on their way through (imports, notices)
must not be sealed twice. A caller who writes ``sealed:v1:`` in front of a name used that
to keep it in clear: it survived erasure, and a malformed "sealed" value made every read
of the subject's record fail (``binascii.Error`` outside the decrypt's ``try``). A value
counts as sealed only when it opens under the subject's key.
"""

from __future__ import annotations

from datetime import date

from socialcredit import sealing
from socialcredit.application import Actor
from tests.attacks.test_erasure_sweep import found
from tests.conftest import OP
from tests.store.test_erasure import NOW, OTHER, SUBJECT

NAME = "Forgedname Qpzmx"
FORGED = sealing.PREFIX + NAME  # not base64: every read used to raise binascii.Error
FORGED_B64 = sealing.PREFIX + "Rm9yZ2VkbmFtZSBRcHpteA=="  # base64 of the name, not a ciphertext


def test_text_that_looks_sealed_is_sealed_and_goes_with_the_key(db_url, make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, SUBJECT, "person", "Someone")
    app.records.add_subject(OP, OTHER, "person", "Li Na")
    one = app.records.record(
        OP,
        SUBJECT,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref=FORGED,
        occurred=date(2019, 1, 10),
    ).event
    two = app.records.record(
        OP,
        SUBJECT,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="cam/2",
        occurred=date(2019, 2, 10),
    ).event
    app.records.correct(
        OP, two, reason=FORGED_B64, authority="rongcheng-traffic-police", occurred=date(2019, 3, 1)
    )
    d = app.disputes.open(
        OP, one, subject=SUBJECT, statement=FORGED, evidence_ref=None, occurred=NOW.date()
    )
    app.disputes.decide(
        OP,
        d,
        reviewer="rongcheng-review-board",
        outcome="upheld",
        reason=FORGED,
        occurred=NOW.date(),
    )
    app.lists.check(Actor("airline-demo", "verifier", FORGED), SUBJECT, "flight")
    # Reads do not fail, and show what was written.
    history = {e.event: e for e in app.records.history(OP, SUBJECT)}
    assert history[one].evidence == FORGED
    assert app.disputes.show(OP, d).statement == FORGED
    assert FORGED in {r["purpose"] for r in app.access.records(OP, SUBJECT)}
    assert app.access.export(OP, SUBJECT).model_dump(mode="json")["name"] == "Someone"
    assert found(app.settings.db_url, (NAME, "Rm9yZ2VkbmFtZ")) == {}  # sealed at rest
    app.upkeep.tick(OP, NOW.date())  # retention over for 2019: erased
    assert app.access.export(OP, SUBJECT).model_dump(mode="json")["name"] == "[erased]"
    assert found(app.settings.db_url, (NAME, "Rm9yZ2VkbmFtZ")) == {}
    assert app.integrity.verify()[1] is None
