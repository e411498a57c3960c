"""Registering subjects over HTTP: a bad ID is a 422 naming position and reason, with
nothing written; the 15-digit form of an ID finds the same subject (issue 17)."""

from __future__ import annotations

import pytest

from tests.api.conftest import ME, Live


def counts(live: Live) -> tuple[int, ...]:
    store = live.app.store
    with store.transaction() as conn:
        return tuple(store.count(conn, t) for t in ("subjects", "subject_keys", "access_log"))


@pytest.mark.parametrize(
    ("ident", "kind", "needles"),
    [
        ("11999919491231002X", "person", ["characters 1-6", "GB/T 2260"]),
        # the server's clock says 2024-06-01: born the next day is refused
        ("110105202406020013", "person", ["characters 7-14", "2024-06-01"]),
        ("932682198501010018", "person", ["check character", "expected '7'"]),
        ("91110000600037342P", "organisation", ["character 17", "GB 11714"]),
        ("B1110000600037341L", "organisation", ["character 1", "registration department"]),
    ],
)
def test_bad_ids_are_422_with_position_and_reason(
    live: Live, ident: str, kind: str, needles: list[str]
) -> None:
    before = counts(live)
    with live.client("registrar") as c:
        r = c.post("/v1/subjects", json={"id": ident, "kind": kind, "name": "Someone"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["field"] == "subject"
    for needle in needles:
        assert needle in body["detail"]
    assert counts(live) == before


def test_15_digit_id_finds_the_same_subject(live: Live) -> None:
    assert ME == "11010519491231002X"
    with live.client("registrar") as c:
        r = c.post("/v1/subjects", json={"id": "110105491231002", "kind": "person", "name": "W"})
    assert r.status_code == 201 and r.json() == {"subject": ME, "kind": "person", "created": False}
    with live.client("subject") as c:
        old, new = c.get("/v1/subjects/110105491231002/record"), c.get(f"/v1/subjects/{ME}/record")
    assert old.status_code == new.status_code == 200
    # the same record (the second read also lists the first read's access record)
    drop = {"access_records"}
    assert {k: v for k, v in old.json().items() if k not in drop} == {
        k: v for k, v in new.json().items() if k not in drop
    }
    assert old.json()["subject"] == ME
