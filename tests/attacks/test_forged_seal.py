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
from tests.attacks.test_erasure_sweep import found
from tests.store.test_erasure import NOW, OTHER, SUBJECT

NAME = "Forgedname Qpzmx"
FORGED = sealing.PREFIX + NAME  # not base64: every read used to raise binascii.Error
FORGED_B64 = sealing.PREFIX + "Rm9yZ2VkbmFtZSBRcHpteA=="  # base64 of the name, not a ciphertext


def test_text_that_looks_sealed_is_sealed_and_goes_with_the_key(db_url, make_app) -> None:
    app = make_app(NOW)
    app.add_subject(SUBJECT, "person", "Someone")
    app.add_subject(OTHER, "person", "Li Na")
    one = app.record(
        SUBJECT,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref=FORGED,
        occurred=date(2019, 1, 10),
    ).event
    two = app.record(
        SUBJECT,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="cam/2",
        occurred=date(2019, 2, 10),
    ).event
    app.correct(
        two, reason=FORGED_B64, authority="rongcheng-traffic-police", occurred=date(2019, 3, 1)
    )
    d = app.dispute_open(
        one, subject=SUBJECT, statement=FORGED, evidence_ref=None, occurred=NOW.date()
    )
    app.dispute_decide(
        d, reviewer="rongcheng-review-board", outcome="upheld", reason=FORGED, occurred=NOW.date()
    )
    app.check(SUBJECT, "flight", verifier="airline-demo", purpose=FORGED)
    # Reads do not fail, and show what was written.
    history = {e.id: e for e in app.history(SUBJECT)}
    assert history[one].evidence_ref == FORGED
    assert app.dispute_show(d).statement == FORGED
    assert FORGED in {r["purpose"] for r in app.access_records(SUBJECT)}
    assert app.access(SUBJECT)["name"] == "Someone"
    assert found(app.settings.db_url, (NAME, "Rm9yZ2VkbmFtZ")) == {}  # sealed at rest
    app.tick(NOW.date())  # retention over for 2019: erased
    assert app.access(SUBJECT)["name"] == "[erased]"
    assert found(app.settings.db_url, (NAME, "Rm9yZ2VkbmFtZ")) == {}
    assert app.verify()[1] is None
