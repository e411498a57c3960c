"""The lean dispatch of the hot requests (api/hot.py) answers exactly as FastAPI does.

Two live services over ONE store, one with the lean dispatch and one without; every
request of a matrix (roles, another subject, an unregistered one, an erased one and its
pseudonym, bad bodies, unknown scheme and service, ``known_at``, ``as_of``, cookies,
other auth schemes...) goes to the lean one and then to the plain one. Status, headers
and body must match -- byte for byte where the answer cannot change between the two --
and each must leave the same number of access records (one for a success, none for a
failure). A test also proves the lean path really answered the happy requests, so the
comparison is not FastAPI against itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialcredit.api import hot
from socialcredit.application import Application
from socialcredit.core.ids import synthetic_resident_ids
from tests.api.conftest import ME, NOBODY, OTHER, seeded, serve
from tests.conftest import OP

ERASED = next(p for p in synthetic_resident_ids(5, 7) if p not in (ME, OTHER, NOBODY))
VARYING = {"date", "content-length"}  # the one header a later answer may change


@dataclass
class Pair:
    lean: str
    plain: str
    tokens: dict[str, str]
    app: Application


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    settings, app, tokens = seeded(f"sqlite:///{tmp_path / 'hot.db'}")
    app.records.add_subject(OP, ERASED, "person", "Zhao Lei")
    tokens["erased"] = app.tokens.issue(OP, "subject", ERASED)
    app.erasure.erase(OP, ERASED, requested_by_subject=True)
    app.records.record(
        OP,
        ME,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/1",
        occurred=date(2024, 5, 1),
    )
    for lean in serve(settings, app.store, lean=True):
        for plain in serve(settings, app.store, lean=False):
            yield Pair(lean, plain, tokens, app)
    app.store.close()


def _log(app: Application) -> int:
    with app.store.transaction() as conn:
        return app.store.count(conn, "access_log")


def _send(url: str, method: str, path: str, headers: dict[str, str], body: Any) -> httpx.Response:
    with httpx.Client(base_url=url, timeout=10) as c:
        content = body if isinstance(body, bytes) else None
        payload = None if isinstance(body, bytes) or body is None else body
        return c.request(method, path, headers=headers, content=content, json=payload)


def _same(a: httpx.Response, b: httpx.Response, what: str) -> None:
    assert a.status_code == b.status_code, (what, a.status_code, b.status_code, a.text, b.text)
    # (a redirect names its own server: the two differ only by port)
    base_a, base_b = (
        str(a.request.url.copy_with(path="/", query=None)),
        str(b.request.url.copy_with(path="/", query=None)),
    )
    ha = {k: v.replace(base_a, "/") for k, v in a.headers.items() if k not in VARYING}
    hb = {k: v.replace(base_b, "/") for k, v in b.headers.items() if k not in VARYING}
    assert ha == hb, what
    replay = b"known_at" in a.request.url.query
    if a.status_code == 200 and a.request.url.path.endswith("/record") and not replay:
        # The plain read comes second: it lists the lean read's access record too
        # (a replay as known at a past day lists neither).
        ja, jb = a.json(), b.json()
        later = jb.pop("access_records")
        assert later[:-1] == ja.pop("access_records"), what
        assert later[-1]["action"] == "access.export", what
        assert ja == jb, what
    else:
        assert a.content == b.content, (what, a.text, b.text)


def _matrix(p: Pair) -> list[tuple[str, str, str, dict[str, str], Any]]:
    """(what, method, path, headers, body): a body of bytes is sent as it is."""
    t = p.tokens
    bearer = {role: {"Authorization": f"Bearer {tok}"} for role, tok in t.items()}
    mine, theirs = p.app.records.pseudonym(ME), p.app.records.pseudonym(OTHER)
    gone = p.app.records.pseudonym(ERASED)
    ok = {"subject": ME, "service": "flight", "purpose": "ticket sale"}
    out: list[tuple[str, str, str, dict[str, str], Any]] = []
    checks: list[tuple[str, dict[str, str], Any]] = [
        ("ok", bearer["verifier"], ok),
        ("other", bearer["verifier"], ok | {"subject": OTHER}),
        ("lower-case x", bearer["verifier"], ok | {"subject": ME.lower()}),
        ("unregistered", bearer["verifier"], ok | {"subject": NOBODY}),
        ("erased", bearer["verifier"], ok | {"subject": ERASED}),
        ("pseudonym", bearer["verifier"], ok | {"subject": theirs}),
        ("bad id", bearer["verifier"], ok | {"subject": "123"}),
        ("unknown service", bearer["verifier"], ok | {"service": "spaceflight"}),
        ("blank purpose", bearer["verifier"], ok | {"purpose": " "}),
        ("no purpose", bearer["verifier"], {"subject": ME, "service": "flight"}),
        ("extra field", bearer["verifier"], ok | {"x": 1}),
        ("as_of", bearer["verifier"], ok | {"as_of": "2024-05-02"}),
        ("bad as_of", bearer["verifier"], ok | {"as_of": "May"}),
        ("known_at", bearer["verifier"], ok | {"known_at": "2024-05-30"}),
        ("future known_at", bearer["verifier"], ok | {"known_at": "2030-01-01"}),
        ("bad known_at", bearer["verifier"], ok | {"known_at": "yesterday"}),
        ("not json", bearer["verifier"] | {"Content-Type": "application/json"}, b"{"),
        ("a list", bearer["verifier"] | {"Content-Type": "application/json"}, b"[1]"),
        ("empty", bearer["verifier"] | {"Content-Type": "application/json"}, b""),
        ("text/plain", bearer["verifier"] | {"Content-Type": "text/plain"}, b'{"a": 1}'),
        ("subject role", bearer["subject"], ok),
        ("auditor role", bearer["auditor"], ok),
        ("no token", {}, ok),
        ("unknown token", {"Authorization": "Bearer nope"}, ok),
        ("basic scheme", {"Authorization": f"Basic {t['verifier']}"}, ok),
        ("cookie", {"Cookie": f"sc_token={t['verifier']}"}, ok),
    ]
    for what, headers, body in checks:
        out.append((f"check {what}", "POST", "/v1/checks", headers, body))
    out.append(("check query", "POST", "/v1/checks?x=1", bearer["verifier"], ok))
    for tail in ("record", "scores/rongcheng"):
        reads: list[tuple[str, str, dict[str, str]]] = [
            ("own", ME, bearer["subject"]),
            ("own lower-case", ME.lower(), bearer["subject"]),
            ("other's", OTHER, bearer["subject"]),
            ("unregistered", NOBODY, bearer["subject"]),
            ("own pseudonym", mine, bearer["subject"]),
            ("other's pseudonym", theirs, bearer["subject"]),
            ("bad id", "abc", bearer["subject"]),
            ("erased own", ERASED, bearer["erased"]),
            ("erased by pseudonym", gone, bearer["erased"]),
            ("erased reads other", ME, bearer["erased"]),
            ("verifier", ME, bearer["verifier"]),
            ("auditor", ME, bearer["auditor"]),
            ("no token", ME, {}),
            ("unknown token", ME, {"Authorization": "Bearer nope"}),
            ("cookie", ME, {"Cookie": f"sc_token={t['subject']}"}),
        ]
        for what, sid, headers in reads:
            out.append((f"{tail} {what}", "GET", f"/v1/subjects/{sid}/{tail}", headers, None))
        for q in ("?known_at=2024-05-30", "?known_at=later", "?x=1"):
            path = f"/v1/subjects/{ME}/{tail}{q}"
            out.append((f"{tail} {q}", "GET", path, bearer["subject"], None))
    out += [
        ("unknown scheme", "GET", f"/v1/subjects/{ME}/scores/nosuch", bearer["subject"], None),
        ("trailing slash", "GET", f"/v1/subjects/{ME}/record/", bearer["subject"], None),
        ("HEAD record", "HEAD", f"/v1/subjects/{ME}/record", bearer["subject"], None),
        ("check by GET", "GET", "/v1/checks", bearer["verifier"], None),
    ]
    return out


def test_the_lean_dispatch_answers_as_fastapi_does(pair: Pair) -> None:
    for what, method, path, headers, body in _matrix(pair):
        before = _log(pair.app)
        a = _send(pair.lean, method, path, headers, body)
        between = _log(pair.app)
        b = _send(pair.plain, method, path, headers, body)
        after = _log(pair.app)
        _same(a, b, what)
        assert between - before == after - between == (1 if a.status_code == 200 else 0), what


def test_the_lean_path_really_answers_the_happy_requests(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered: list[str] = []
    respond = hot._respond

    async def counted(send: Any, route: Any, answer: Any) -> None:
        answered.append(route.path)
        await respond(send, route, answer)

    monkeypatch.setattr(hot, "_respond", counted)
    t = pair.tokens
    ok = {"subject": ME, "service": "flight", "purpose": "ticket sale"}
    with httpx.Client(base_url=pair.lean, timeout=10) as c:
        auth = {"Authorization": f"Bearer {t['verifier']}"}
        assert c.post("/v1/checks", json=ok, headers=auth).status_code == 200
        auth = {"Authorization": f"Bearer {t['subject']}"}
        assert c.get(f"/v1/subjects/{ME}/scores/rongcheng", headers=auth).status_code == 200
        assert c.get(f"/v1/subjects/{ME}/record", headers=auth).status_code == 200
        # ...and none of the others
        assert c.get(f"/v1/subjects/{OTHER}/record", headers=auth).status_code == 404
        assert c.get(f"/v1/subjects/{ME}/record?known_at=2024-05-30", headers=auth).is_success
    assert answered == [
        "/v1/checks",
        "/v1/subjects/{subject_id}/scores/{scheme}",
        "/v1/subjects/{subject_id}/record",
    ]


def test_a_subject_cannot_read_another_through_the_lean_path(pair: Pair) -> None:
    """Attack: another subject's score or record, by ID, lower-case ID or pseudonym, is
    the same 404 as a subject that does not exist, and leaves no access record."""
    before = _log(pair.app)
    auth = {"Authorization": f"Bearer {pair.tokens['subject']}"}
    theirs = pair.app.records.pseudonym(OTHER)
    with httpx.Client(base_url=pair.lean, timeout=10, headers=auth) as c:
        for tail in ("record", "scores/rongcheng"):
            nobody = c.get(f"/v1/subjects/{NOBODY}/{tail}")
            assert nobody.status_code == 404
            for sid in (OTHER, OTHER.lower()):
                r = c.get(f"/v1/subjects/{sid}/{tail}")
                assert r.status_code == 404
                assert r.json()["detail"] == nobody.json()["detail"].replace(NOBODY, OTHER)
                assert "Li Na" not in r.text
            assert c.get(f"/v1/subjects/{theirs}/{tail}").status_code in (404, 422)
    assert _log(pair.app) == before
