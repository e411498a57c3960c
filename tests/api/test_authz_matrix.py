"""Every route x every role x {own subject, another subject, a subject that does not exist}.

The matrix below is the authorisation policy in one place. The test fails when a route
is added without an entry, when a role gets more than the matrix grants, and when a
principal can tell another subject's record from one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from tests.api.conftest import ME, NOBODY, OTHER, Live
from tests.conftest import OP

ROLES = ("admin", "registrar", "verifier", "reviewer", "subject", "auditor", None)
ALL = frozenset(ROLES)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str | None]
    scoped: bool = False  # the path names a subject: only the subject itself may read it


M: dict[tuple[str, str], Rule] = {
    ("GET", "/v1/rulebooks"): Rule(ALL),
    ("GET", "/v1/rulebooks/{scheme}"): Rule(ALL),
    ("GET", "/v1/documents"): Rule(ALL),
    ("GET", "/v1/documents/{ident}"): Rule(ALL),
    ("GET", "/v1/services"): Rule(ALL),
    ("GET", "/v1/lists/{list_id}/board"): Rule(ALL),
    ("GET", "/v1/figures"): Rule(ALL),
    ("GET", "/v1/stats/grades/{scheme}"): Rule(ALL),
    ("GET", "/v1/log/head"): Rule(ALL),
    ("GET", "/v1/log/inclusion/{event_id}"): Rule(ALL),
    ("GET", "/v1/log/consistency"): Rule(ALL),
    ("GET", "/v1/whoami"): Rule(ALL),
    ("POST", "/v1/subjects"): Rule(frozenset({"registrar", "admin"})),
    ("POST", "/v1/events"): Rule(frozenset({"registrar"})),
    ("POST", "/v1/events/{event_id}/corrections"): Rule(frozenset({"registrar"})),
    ("GET", "/v1/desk/events"): Rule(frozenset({"registrar"})),
    ("POST", "/v1/list-entries"): Rule(frozenset({"registrar"})),
    ("POST", "/v1/list-entries/{entry}/notify"): Rule(frozenset({"registrar"})),
    ("POST", "/v1/list-entries/{entry}/remedy"): Rule(frozenset({"registrar"})),
    ("POST", "/v1/documents"): Rule(frozenset({"admin"})),
    ("POST", "/v1/checks"): Rule(frozenset({"verifier"})),
    ("GET", "/v1/notices"): Rule(frozenset({"verifier"})),
    ("GET", "/v1/disputes"): Rule(frozenset({"reviewer"})),
    ("POST", "/v1/disputes/{dispute}/decision"): Rule(frozenset({"reviewer"})),
    ("GET", "/v1/subjects/{subject_id}/record"): Rule(frozenset({"subject"}), scoped=True),
    ("GET", "/v1/subjects/{subject_id}/scores/{scheme}"): Rule(frozenset({"subject"}), True),
    ("GET", "/v1/subjects/{subject_id}/access-records"): Rule(
        frozenset({"subject", "auditor"}), scoped=True
    ),
    ("POST", "/v1/subjects/{subject_id}/disputes"): Rule(frozenset({"subject"}), True),
    ("POST", "/v1/subjects/{subject_id}/disputes/{dispute}/info"): Rule(
        frozenset({"subject"}), True
    ),
    ("POST", "/v1/subjects/{subject_id}/disputes/{dispute}/appeal"): Rule(
        frozenset({"subject"}), True
    ),
    ("POST", "/v1/subjects/{subject_id}/list-entries/{entry}/consent"): Rule(
        frozenset({"subject"}), True
    ),
    ("POST", "/v1/subjects/{subject_id}/repairs"): Rule(frozenset({"subject"}), True),
    ("GET", "/v1/subjects/{subject_id}/repairs/{repair}"): Rule(frozenset({"subject"}), True),
    ("POST", "/v1/repairs/{repair}/decision"): Rule(frozenset({"registrar"})),
    ("GET", "/v1/audit/grades/{scheme}"): Rule(frozenset({"auditor"})),
    ("POST", "/v1/tick"): Rule(frozenset({"admin"})),
    ("GET", "/v1/ledger/verify"): Rule(frozenset({"admin", "auditor"})),
    # Last, so that an erasure (if the retention rules allowed one) changes nothing above.
    ("POST", "/v1/subjects/{subject_id}/erasure"): Rule(frozenset({"subject"}), True),
}


def bodies(ids: dict[str, int]) -> dict[tuple[str, str], Any]:
    today = "2024-06-01"
    return {
        ("POST", "/v1/subjects"): {"id": "110105198501010018", "kind": "person", "name": "Zhao"},
        ("POST", "/v1/events"): {
            "subject": ME,
            "scheme": "rongcheng",
            "rule": "traffic-violation",
            "occurred": "2024-05-02",
            "evidence": "t/matrix",
        },
        ("POST", "/v1/events/{event_id}/corrections"): {"reason": "wrong plate"},
        ("POST", "/v1/list-entries"): {
            "subject": ME,
            "list": "transport-misconduct",
            "occurred": "2024-05-02",
            "evidence": "d/m",
            "fields": {"incident": "x", "place": "y", "decision_number": "1"},
        },
        ("POST", "/v1/list-entries/{entry}/notify"): {"occurred": today, "evidence": "n/1"},
        ("POST", "/v1/list-entries/{entry}/remedy"): {"occurred": today, "evidence": "r/1"},
        ("POST", "/v1/documents"): "not = [valid toml",
        ("POST", "/v1/checks"): {"subject": ME, "service": "flight", "purpose": "ticket sale"},
        ("POST", "/v1/tick"): {"as_of": today},
        ("POST", "/v1/disputes/{dispute}/decision"): {
            "outcome": "upheld",
            "reason": "ok",
            "occurred": today,
        },
        ("POST", "/v1/subjects/{subject_id}/disputes"): {
            "item": ids["event"],
            "statement": "x",
            "occurred": today,
        },
        ("POST", "/v1/subjects/{subject_id}/disputes/{dispute}/info"): {
            "statement": "more",
            "occurred": today,
        },
        ("POST", "/v1/subjects/{subject_id}/disputes/{dispute}/appeal"): {
            "statement": "again",
            "occurred": today,
        },
        ("POST", "/v1/subjects/{subject_id}/list-entries/{entry}/consent"): {
            "consent": True,
            "occurred": today,
        },
        ("POST", "/v1/subjects/{subject_id}/repairs"): {
            "item": ids.get("old", ids["event"]),
            "statement": "paid",
            "evidence": "r/2",
            "occurred": today,
        },
        ("POST", "/v1/repairs/{repair}/decision"): {
            "outcome": "refused",
            "reason": "not yet",
            "occurred": today,
        },
    }


def fill(path: str, subject: str, ids: dict[str, int]) -> str:
    return (
        path.replace("{subject_id}", subject)
        .replace("{scheme}", "rongcheng")
        .replace("{ident}", "catalogue")
        .replace("{event_id}", str(ids["event"]))
        .replace("{entry}", str(ids["entry"]))
        .replace("{dispute}", str(ids["dispute"]))
        .replace("{repair}", str(ids.get("repair", 1)))
        .replace("{list_id}", "honour-roll")
    )


@pytest.fixture
def world(live: Live) -> dict[str, int]:
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
        "honour-roll",
        authority="rongcheng-credit-office",
        evidence_ref="a/1",
        occurred=date(2024, 5, 1),
        fields={"citation": "volunteer of the year"},
    ).event
    dispute = app.disputes.open(
        OP, event, subject=ME, statement="not me", evidence_ref=None, occurred=date(2024, 6, 1)
    )
    app.records.record(
        OP,
        OTHER,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/other",
        occurred=date(2024, 5, 1),
    )
    old = app.records.record(
        OP,
        ME,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/old",
        occurred=date(2023, 9, 1),
    ).event
    repair = app.repairs.apply(
        OP, old, subject=ME, statement="paid", evidence_ref="r/1", occurred=date(2024, 6, 1)
    ).repair
    return {"event": event, "entry": entry, "dispute": dispute, "old": old, "repair": repair}


def test_every_documented_operation_is_in_the_matrix(live: Live) -> None:
    with live.client() as c:
        paths = c.get("/openapi.json").json()["paths"]
    documented = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    assert documented == set(M)
    for p, ops in paths.items():
        for m, op in ops.items():
            assert op.get("summary"), (m, p)
            assert {"401", "403", "404", "422"} <= set(op["responses"]), (m, p)


def test_authorisation_matrix(live: Live, world: dict[str, int]) -> None:
    body_for = bodies(world)
    token_role = {
        None: None,
        "admin": "admin",
        "registrar": "registrar",
        "verifier": "verifier",
        "reviewer": "reviewer",
        "subject": "subject",
        "auditor": "auditor",
    }
    checked = 0
    for (method, path), rule in M.items():
        for role in ROLES:
            targets = (ME, OTHER, NOBODY) if rule.scoped else (ME,)
            answers = {}
            with live.client(token_role[role]) as c:
                for target in targets:
                    url = fill(path, target, world)
                    body = body_for.get((method, path))
                    params = {"old": 1, "new": 2} if path.endswith("consistency") else None
                    if isinstance(body, str):
                        r = c.request(
                            method, url, content=body, headers={"content-type": "text/plain"}
                        )
                    else:
                        r = c.request(method, url, json=body, params=params)
                    answers[target] = r
                    checked += 1
            for target, r in answers.items():
                assert r.status_code < 500, (method, path, role, r.text)
                if role not in rule.roles:
                    expected = 401 if role is None else 403
                    assert r.status_code == expected, (method, path, role, r.status_code, r.text)
                    assert r.headers["content-type"].startswith("application/problem+json")
            if rule.scoped and role in rule.roles and role == "subject":
                assert answers[ME].status_code != 404, (method, path, answers[ME].text)
                other, nobody = answers[OTHER], answers[NOBODY]
                assert other.status_code == nobody.status_code == 404, (method, path)
                assert other.json() == {
                    **nobody.json(),
                    "detail": nobody.json()["detail"].replace(NOBODY, OTHER),
                }
                assert set(other.headers) == set(nobody.headers)
    assert checked > 250


def test_responses_carry_no_extra_fields(live: Live, world: dict[str, int]) -> None:
    with live.client("verifier") as c:
        r = c.post("/v1/checks", json={"subject": ME, "service": "flight", "purpose": "ticket"})
    assert set(r.json()) == {"subject", "service", "as_of", "decision", "reasons"}
    with live.client("auditor") as c:
        rows = c.get(f"/v1/subjects/{ME}/access-records").json()
    assert rows and all(
        set(row) == {"id", "at", "actor", "role", "action", "purpose"} for row in rows
    )
    assert "Wang" not in str(rows)
    with live.client("subject") as c:
        record = c.get(f"/v1/subjects/{ME}/record").json()
    assert {"events", "list_entries", "reports", "decisions", "disputes", "access_records"} <= set(
        record
    )
    assert all(e["subject"] == ME for e in record["events"])
