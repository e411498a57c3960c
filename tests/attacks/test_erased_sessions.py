"""Attack on the erased subject's web session (the pseudonym sign-in), over real HTTP.

An erased subject signs in with its token and the counter reads by its pseudonym. Tried:
a session of one principal reaching another's pseudonym (an admin token whose principal
is a pseudonym, another subject, a crafted sign-in form), another subject's item through
the counter's dispute form, an erasure in the middle of a session, and whether the ID is
written anywhere by the new paths after erasure. All held.
"""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest

from socialcredit.application import Actor
from socialcredit.core.errors import NotFound
from tests.api.conftest import ME, OTHER, Live, csrf_of, live, web_session
from tests.conftest import OP

__all__ = ["live"]  # the live server fixture of tests/api


def _rows_naming(live: Live, text: str) -> list[str]:
    """Every table row (as text) that contains ``text``."""
    from sqlalchemy import MetaData, select

    meta = MetaData()
    with live.app.store.transaction() as conn:
        meta.reflect(conn)
        return [
            f"{table.name}: {row}"
            for table in meta.sorted_tables
            for row in conn.execute(select(table)).all()
            if text in str(row)
        ]


def _their_event(live: Live) -> int:
    return live.app.records.record(
        OP,
        OTHER,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/other",
        occurred=date(2024, 5, 1),
    ).event


def test_an_erased_subjects_session_writes_no_id_and_reaches_no_other(live: Live) -> None:
    theirs = _their_event(live)
    mine = live.app.records.record(
        OP,
        ME,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/mine",
        occurred=date(2024, 5, 1),
    ).event
    # Signed in before the erasure: the session goes on by the pseudonym after it.
    c = web_session(live.url, live.tokens["subject"])
    with live.app.store.transaction() as conn:  # erased now (retention aside: the test's)
        live.app.erasure.erase_subject_key(
            conn, OP, ME, occurred=date(2024, 6, 1), authority="system:test", reason="test"
        )
    pseudonym = live.app.records.pseudonym(ME)
    page = c.get("/counter")
    assert page.status_code == 200 and pseudonym in page.text and ME not in page.text
    assert c.get("/counter/history/rongcheng.svg").status_code == 200
    # Another's item and no item: one answer, naming neither the other nor its ID.
    said = []
    for item in (theirs, 2**40):
        r = c.post(
            "/counter/dispute",
            data={"item": item, "statement": "not me", "csrf": csrf_of(page.text)},
        )
        assert r.status_code == 200, r.text[:300]
        (error,) = re.findall(r"unknown item \d+ for subject \w+", r.text)
        said.append(error.replace(str(item), "N"))
        assert OTHER not in r.text and "Li Na" not in r.text
    assert said[0] == said[1]
    # Its own item: disputed by the pseudonym.
    r = c.post(
        "/counter/dispute", data={"item": mine, "statement": "not me", "csrf": csrf_of(page.text)}
    )
    assert "filed" in r.text, r.text[:500]
    # A fresh sign-in after the erasure too.
    again = web_session(live.url, live.tokens["subject"])
    assert again.get("/counter").status_code == 200
    c.close()
    again.close()
    assert _rows_naming(live, ME) == []  # not in the access log, tokens, ledger, anywhere


def test_no_other_principal_gets_a_session_for_a_pseudonym(live: Live) -> None:
    live.app.erasure.erase(OP, ME, requested_by_subject=True)
    pseudonym = live.app.records.pseudonym(ME)
    # An operator's token whose principal merely looks like the pseudonym stays one.
    admin = live.app.tokens.issue(OP, "admin", pseudonym)
    c = web_session(live.url, admin)
    r = c.get("/counter", follow_redirects=False)
    c.close()
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {admin}"}) as c:
        for path in (f"/v1/subjects/{ME}/record", f"/v1/subjects/{pseudonym}/record"):
            assert c.get(path).status_code in (403, 404, 422), path
    # A crafted sign-in form: the role and principal come from the token alone.
    with httpx.Client(base_url=live.url, timeout=10) as c:
        form = c.get("/signin")
        r = c.post(
            "/signin",
            data={
                "token": live.tokens["other"],
                "next": "/",
                "csrf": csrf_of(form.text),
                "principal": pseudonym,
                "role": "subject",
            },
        )
        assert r.status_code == 303
        page = c.get("/counter")
        assert "Li Na" in page.text and pseudonym not in page.text
    # The other subject, acting itself, may not name the erased one's pseudonym.
    other = Actor(f"subject:{OTHER}", "subject", "own record")
    with pytest.raises(NotFound):
        live.app.access.export(other, pseudonym)
    # Every session issued is the principal's own: a subject's only under its pseudonym.
    sessions = [t for t in live.app.tokens.list() if t["label"] == "web session"]
    assert {(t["role"], t["principal"]) for t in sessions} == {
        ("admin", pseudonym),
        ("subject", OTHER),
    }


def test_an_erased_subject_keeps_due_process_over_the_api(live: Live) -> None:
    """Broke: the API names an erased subject by its ID, its items read back under its
    pseudonym, and the comparison of the two made its own items, disputes and repairs
    "unknown" to it (404): no dispute, no more information, no appeal, no repair, while
    the counter page, naming the pseudonym, could dispute. Erasure removes personal
    data, not rights. Another's items still answer exactly as unknown ones."""
    app = live.app

    def mine(ref: str) -> int:
        return app.records.record(
            OP,
            ME,
            "rongcheng",
            "traffic-violation",
            authority="rongcheng-traffic-police",
            evidence_ref=ref,
            occurred=date(2024, 5, 1),
        ).event

    disputed, repaired, theirs = mine("t/1"), mine("t/2"), _their_event(live)
    other_dispute = app.disputes.open(
        OP, theirs, subject=OTHER, statement="no", evidence_ref=None, occurred=date(2024, 6, 1)
    )
    with live.app.store.transaction() as conn:
        app.erasure.erase_subject_key(
            conn, OP, ME, occurred=date(2024, 6, 1), authority="system:test", reason="test"
        )
    day = "2024-06-01"
    base = f"/v1/subjects/{ME}"
    with live.client("subject") as c:
        r = c.post(f"{base}/disputes", json={"item": disputed, "statement": "no", "occurred": day})
        assert r.status_code == 201, r.text
        d = r.json()["dispute"]
        r = c.post(f"{base}/disputes/{d}/info", json={"statement": "more", "occurred": day})
        assert r.status_code == 201, r.text
        app.disputes.decide(
            OP,
            d,
            reviewer="rongcheng-review-board",
            outcome="upheld",
            reason="stands",
            occurred=date(2024, 6, 1),
        )
        r = c.post(f"{base}/disputes/{d}/appeal", json={"statement": "again", "occurred": day})
        assert r.status_code == 201, r.text
        repair = {"statement": "fixed", "evidence": "receipt", "occurred": day}
        r = c.post(f"{base}/repairs", json={**repair, "item": repaired})
        assert r.status_code == 201, r.text
        assert c.get(f"{base}/repairs/{r.json()['repair']}").status_code == 200
        # another's item, dispute and repair: the very answers of unknown ones
        for path, body, unknown in (
            (f"{base}/disputes", {"item": theirs, "statement": "x", "occurred": day}, 2**40),
            (f"{base}/repairs", {**repair, "item": theirs}, 2**40),
        ):
            a, b = c.post(path, json=body), c.post(path, json={**body, "item": unknown})
            assert a.status_code == b.status_code == 404, (a.text, b.text)
            said = [re.sub(r"item \d+", "item N", x.json()["detail"]) for x in (a, b)]
            assert said[0] == said[1], said
        info = {"statement": "x", "occurred": day}
        a = c.post(f"{base}/disputes/{other_dispute}/info", json=info)
        b = c.post(f"{base}/disputes/{2**40}/info", json=info)
        assert a.status_code == b.status_code == 404
        assert OTHER not in a.text + b.text
