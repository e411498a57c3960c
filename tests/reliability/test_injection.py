"""A corpus of hostile strings through every text field of every write endpoint.

SQL injection, path traversal, header and control characters, Unicode tricks and
oversized values: no 5xx, the chain still verifies, and the ledger grows only by the
writes that were acknowledged.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from tests.api.conftest import ME, Live
from tests.api.test_authz_matrix import bodies, fill
from tests.conftest import OP

CORPUS = [
    "' OR '1'='1",
    "'; DROP TABLE events; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)",
    "admin'--",
    "%' AND 1=0 UNION SELECT hash FROM events --",
    "../../../../etc/passwd",
    "..\\..\\windows\\system32",
    "/dev/zero",
    "file:///etc/shadow",
    "\r\nSet-Cookie: x=y",
    "line\nbreak",
    "\x00null",
    "\u202eRTL",
    "😀" * 50,
    "<script>alert(1)</script>",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "A" * 3000,
    "B" * 200_000,
    "",
    " ",
    "０１２",
    "NaN",
    # issue 15's reproductions, as text: mathtext, off-site targets, brackets
    "$\\frac{$",
    "//evil.example/phish",
    "/\\evil.example",
    "[" * 100,
]
ROLE_FOR = {
    "/v1/subjects": "registrar",
    "/v1/events": "registrar",
    "/v1/events/{event_id}/corrections": "registrar",
    "/v1/list-entries": "registrar",
    "/v1/list-entries/{entry}/notify": "registrar",
    "/v1/list-entries/{entry}/remedy": "registrar",
    "/v1/checks": "verifier",
    "/v1/disputes/{dispute}/decision": "reviewer",
    "/v1/subjects/{subject_id}/disputes": "subject",
    "/v1/subjects/{subject_id}/disputes/{dispute}/info": "subject",
    "/v1/subjects/{subject_id}/disputes/{dispute}/appeal": "subject",
    "/v1/subjects/{subject_id}/list-entries/{entry}/consent": "subject",
}


def variants(body: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, value in body.items():
        for payload in CORPUS:
            if isinstance(value, str):
                out.append({**body, key: payload})
            elif isinstance(value, dict):
                out.append({**body, key: {**value, payload[:50] or "k": payload}})
    return out


def test_hostile_strings_through_every_text_field(live: Live) -> None:
    app = live.app
    event = app.records.record(
        OP,
        ME,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/1",
        occurred=date(2024, 5, 1),
    ).event
    entry = app.lists.propose(
        OP,
        ME,
        "transport-misconduct",
        authority="rail-police",
        evidence_ref="d/1",
        occurred=date(2024, 5, 1),
        fields={"incident": "x", "place": "y", "decision_number": "1"},
    ).event
    dispute = app.disputes.open(
        OP, event, subject=ME, statement="x", evidence_ref=None, occurred=date(2024, 6, 1)
    )
    ids = {"event": event, "entry": entry, "dispute": dispute}
    base = bodies(ids)
    sent = accepted = 0
    before, _ = app.integrity.verify()
    for (method, path), body in base.items():
        if method != "POST" or not isinstance(body, dict) or path not in ROLE_FOR:
            continue
        with live.client(ROLE_FOR[path]) as c:
            for variant in variants(body):
                r = c.post(fill(path, ME, ids), json=variant)
                sent += 1
                assert r.status_code < 500, (path, variant, r.text[:200])
                accepted += r.status_code < 300
        # the same corpus in the path itself
        with live.client(ROLE_FOR[path]) as c:
            for payload in CORPUS[:12]:
                r = c.post(fill(path, quote(payload, safe=""), ids), json=body)
                assert r.status_code < 500
                sent += 1
    with live.client() as c:
        for payload in CORPUS[:16]:
            q = quote(payload, safe="")
            for url in (f"/v1/rulebooks/{q}", f"/v1/stats/grades/{q}"):
                r = c.get(url)
                assert r.status_code < 500
                sent += 1
            token = "".join(ch for ch in payload[:100] if 33 <= ord(ch) < 127) or "x"
            r = c.get("/v1/whoami", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code in (200, 401)
    after, problem = app.integrity.verify()
    assert problem is None
    assert after - before <= accepted * 3  # a remedy writes 2 entries, a decision up to 3
    print(
        f"\ninjection corpus: {sent:,} hostile requests, {accepted:,} accepted as plain text, "
        f"0 server errors, chain verifies ({after} entries)"
    )
