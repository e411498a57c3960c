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

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from socialcredit.api import answers, hot
from socialcredit.application import Application
from socialcredit.core.errors import NotFound
from socialcredit.core.ids import synthetic_resident_ids
from socialcredit.http.guards import CSP
from socialcredit.settings import Settings
from tests.api.conftest import ME, NOBODY, NOW, OTHER, seeded, serve
from tests.conftest import OP

ERASED = next(p for p in synthetic_resident_ids(5, 7) if p not in (ME, OTHER, NOBODY))
VARYING = {"date", "content-length"}  # the one header a later answer may change


@dataclass
class Pair:
    lean: str
    plain: str
    tokens: dict[str, str]
    app: Application
    settings: Settings


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
            yield Pair(lean, plain, tokens, app, settings)
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


def _raw(url: str, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> Any:
    """One request exactly as written (httpx would normalise the path and merge headers):
    (status, headers without Date, body)."""
    port = int(url.rsplit(":", 1)[1])
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers]
    framed = any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers)
    if method == "POST" and not framed:
        lines.append(f"Content-Length: {len(body)}")
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body)
        while chunk := s.recv(65536):
            data += chunk
    head, _, content = data.partition(b"\r\n\r\n")
    status, *fields = head.decode("latin-1").split("\r\n")
    pairs = sorted(
        tuple(f.lower().split(": ", 1)) for f in fields if not f.lower().startswith("date:")
    )
    return int(status.split()[1]), pairs, content


def _raw_matrix(p: Pair) -> list[tuple[str, str, str, list[tuple[str, str]], bytes]]:
    """What httpx cannot send: paths as written, repeated headers, odd framing."""
    t = p.tokens
    old = replace(p.settings, clock=lambda: NOW - timedelta(days=1))
    t["expired"] = Application(old).tokens.issue(OP, "subject", ME, ttl=timedelta(hours=1))
    t["revoked"] = p.app.tokens.issue(OP, "subject", ME)
    p.app.tokens.revoke(OP, token=t["revoked"])

    def auth(role: str, scheme: str = "Bearer ") -> tuple[str, str]:
        return ("Authorization", f"{scheme}{t[role]}")

    def pct(sid: str) -> str:
        return "".join(f"%{ord(c):02X}" for c in sid)

    wide = quote("".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in ME))
    fifteen = ME[:6] + ME[8:17]
    out: list[tuple[str, str, str, list[tuple[str, str]], bytes]] = []
    for tail in ("record", "scores/rongcheng"):
        paths = {
            "percent-encoded": f"/v1/subjects/{pct(ME)}/{tail}",
            "other's percent-encoded": f"/v1/subjects/{pct(OTHER)}/{tail}",
            "double slash": f"/v1/subjects//{ME}/{tail}",
            "leading double slash": f"//v1/subjects/{ME}/{tail}",
            "dot-dot to own": f"/v1/subjects/{OTHER}/../{ME}/{tail}",
            "dot-dot to other's": f"/v1/subjects/{ME}/../{OTHER}/{tail}",
            "path parameter": f"/v1/subjects/{ME};x=1/{tail}",
            "full-width digits": f"/v1/subjects/{wide}/{tail}",
            "15 digits": f"/v1/subjects/{fifteen}/{tail}",
            "encoded slash": f"/v1/subjects/{ME}%2F{tail}",
            "absolute form": f"http://127.0.0.1/v1/subjects/{ME}/{tail}",
            "empty query": f"/v1/subjects/{ME}/{tail}?",
        }
        for what, path in paths.items():
            out.append((f"{tail} {what}", "GET", path, [auth("subject")], b""))
        mine = f"/v1/subjects/{ME}/{tail}"
        presented = {
            "two headers, own first": [auth("subject"), auth("other")],
            "two headers, other's first": [auth("other"), auth("subject")],
            "junk second header": [auth("subject"), ("Authorization", "Bearer junk")],
            "lower-case scheme": [auth("subject", "bearer ")],
            "two spaces": [auth("subject", "Bearer  ")],
            "tab": [auth("subject", "Bearer\t")],
            "other's header, own cookie": [auth("other"), ("Cookie", f"sc_token={t['subject']}")],
            "two sc_token": [("Cookie", f"sc_token={t['other']}; sc_token={t['subject']}")],
            "quoted cookie": [("Cookie", f'sc_token="{t["subject"]}"')],
            "revoked": [auth("revoked")],
            "expired": [auth("expired")],
            "registrar": [auth("registrar")],
            "admin": [auth("admin")],
            "reviewer": [auth("reviewer")],
        }
        for what, headers in presented.items():
            out.append((f"{tail} {what}", "GET", mine, headers, b""))
        for method in ("HEAD", "OPTIONS"):
            out.append((f"{tail} {method}", method, mine, [auth("subject")], b""))
    ok = json.dumps({"subject": ME, "service": "flight", "purpose": "ticket sale"}).encode()
    js = ("Content-Type", "application/json")
    bodies = {
        "charset": ([("Content-Type", "application/json; charset=utf-8")], ok),
        "upper-case type": ([("Content-Type", "APPLICATION/JSON")], ok),
        "no type": ([], ok),
        "two types, JSON last": ([("Content-Type", "text/plain"), js], ok),
        "two types, JSON first": ([js, ("Content-Type", "text/plain")], ok),
        "chunked": (
            [js, ("Transfer-Encoding", "chunked")],
            b"%x\r\n%s\r\n0\r\n\r\n" % (len(ok), ok),
        ),
        "over the limit": ([js, ("Content-Length", "2000000")], ok),
        "UTF-16": ([js], ok.decode().encode("utf-16")),
        "BOM": ([js], b"\xef\xbb\xbf" + ok),
        "NaN": ([js], ok.replace(b'"ticket sale"', b"NaN")),
        "duplicate keys": ([js], b'{"subject": "%s", %s' % (OTHER.encode(), ok[1:])),
        "nested 30 deep": ([js], ok[:-1] + b', "x": %s}' % (b"[" * 30 + b"]" * 30)),
        "nested 40 deep": ([js], ok[:-1] + b', "x": %s}' % (b"[" * 40 + b"]" * 40)),
        "15 digits": ([js], ok.replace(ME.encode(), fifteen.encode())),
        "known_at with a zone": ([js], ok[:-1] + b', "known_at": "2024-05-30T10:00:00+08:00"}'),
        "as_of ahead": ([js], ok[:-1] + b', "as_of": "2030-01-01"}'),
    }
    for what, (headers, body) in bodies.items():
        out.append((f"check {what}", "POST", "/v1/checks", [auth("verifier"), *headers], body))
    for what, headers in {
        "two headers, verifier first": [auth("verifier"), auth("subject"), js],
        "two headers, subject first": [auth("subject"), auth("verifier"), js],
        "junk second header": [auth("verifier"), ("Authorization", "Bearer junk"), js],
        "registrar": [auth("registrar"), js],
        "admin": [auth("admin"), js],
        "cookie": [("Cookie", f"sc_token={t['verifier']}"), js],
    }.items():
        out.append((f"check {what}", "POST", "/v1/checks", headers, ok))
    for method in ("HEAD", "OPTIONS"):
        out.append((f"check {method}", method, "/v1/checks", [auth("verifier")], b""))
    out.append(("check encoded path", "POST", "/v1/%63hecks", [auth("verifier"), js], ok))
    return out


def test_the_lean_dispatch_answers_raw_requests_as_fastapi_does(pair: Pair) -> None:
    """Attack: the matrix above, sent byte for byte to both services."""
    seen: dict[str, int] = {}
    for what, method, target, headers, body in _raw_matrix(pair):
        before = _log(pair.app)
        a = _raw(pair.lean, method, target, headers, body)
        between = _log(pair.app)
        b = _raw(pair.plain, method, target, headers, body)
        after = _log(pair.app)
        assert a[0] == b[0], (what, a, b)
        if a[0] == 200 and "record" in what:  # the plain export lists the lean one's read
            ja, jb = json.loads(a[2]), json.loads(b[2])
            assert jb.pop("access_records")[:-1] == ja.pop("access_records"), what
            assert ja == jb, what
            assert [h for h in a[1] if h[0] != "content-length"] == [
                h for h in b[1] if h[0] != "content-length"
            ], what
        else:
            assert a[1:] == b[1:], (what, a, b)
        assert between - before == after - between == (1 if a[0] == 200 else 0), what
        seen[what] = a[0]
    # (the matrix reaches what it means to: the lean path's happy cases among them)
    for what, status in RAW_EXPECTED.items():
        assert seen[what] == status, (what, seen[what])


RAW_EXPECTED = {
    "record percent-encoded": 200,
    "scores/rongcheng 15 digits": 200,
    "record other's percent-encoded": 404,
    "record dot-dot to other's": 404,
    "record two headers, own first": 200,
    "record two headers, other's first": 404,
    "record junk second header": 200,
    "record expired": 401,
    "record revoked": 401,
    "record admin": 403,
    "record HEAD": 405,
    "check chunked": 200,
    "check over the limit": 413,
    "check nested 40 deep": 422,
    "check duplicate keys": 200,
    "check two headers, subject first": 403,
}


def test_a_rate_limited_hot_request_is_answered_as_fastapi_would(tmp_path: Path) -> None:
    """Same 429 -- status, headers (Retry-After) and body -- from both services: the
    limiter answers before either dispatch, and nothing is recorded."""
    settings, app, tokens = seeded(f"sqlite:///{tmp_path / 'limited.db'}")
    settings = replace(settings, rate_principal="2/minute")
    ok = {"subject": ME, "service": "flight", "purpose": "ticket sale"}
    requests = [
        ("POST", "/v1/checks", {"Authorization": f"Bearer {tokens['verifier']}"}, ok),
        (
            "GET",
            f"/v1/subjects/{ME}/record",
            {"Authorization": f"Bearer {tokens['subject']}"},
            None,
        ),
    ]
    limited: list[list[httpx.Response]] = []
    for lean in (True, False):
        for url in serve(settings, app.store, lean=lean):
            answers = []
            for method, path, headers, body in requests:
                for _ in range(3):
                    before = _log(app)
                    answers.append(_send(url, method, path, headers, body))
                    assert _log(app) - before == (answers[-1].status_code == 200)
            limited.append(answers)
    app.store.close()
    for a, b in zip(*limited, strict=True):
        assert a.status_code == b.status_code
        if a.status_code == 429:
            _same(a, b, a.request.url.path)
    assert [r.status_code for r in limited[0]] == [200, 200, 429, 200, 200, 429]
    assert limited[0][2].headers["retry-after"]


def test_an_unexpected_error_is_the_same_500_with_the_security_headers(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: a failure inside the answer (here: the store gone wrong). Both dispatches
    give the same 500, record nothing, and the 500 -- sent by Starlette from outside
    every middleware of ours -- still carries the headers every response carries."""

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(answers, "check", broken)
    monkeypatch.setattr(answers, "own_record", broken)
    t = pair.tokens
    ok = {"subject": ME, "service": "flight", "purpose": "ticket sale"}
    for method, path, role, body in (
        ("POST", "/v1/checks", "verifier", ok),
        ("GET", f"/v1/subjects/{ME}/record", "subject", None),
    ):
        before = _log(pair.app)
        headers = {"Authorization": f"Bearer {t[role]}"}
        a = _send(pair.lean, method, path, headers, body)
        b = _send(pair.plain, method, path, headers, body)
        assert a.status_code == 500, a.text
        _same(a, b, path)
        assert _log(pair.app) == before
        assert a.headers["content-security-policy"] == CSP
        assert a.headers["x-content-type-options"] == "nosniff"
        assert a.headers["x-frame-options"] == "DENY"


def test_a_check_refused_at_commit_falls_through_and_is_recorded_once(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: the lean path prepares a check, then the group committer -- seeing the
    subject's ledger moved -- computes it again and that fails with a domain error. The
    lean path has started; it falls through to FastAPI, which answers afresh: one access
    record for the one answer given, none for the failed attempt (nor for an attempt
    that fails both times)."""
    store = pair.app.store
    monkeypatch.setattr(store, "subject_tip", lambda conn, subject: -1)  # always moved
    part = type(pair.app.lists)  # the service has an Application of its own
    real = part._check_in
    calls: list[int] = []
    refuse = {2}  # the lean attempt's recomputation

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(calls) + 1)
        if len(calls) in refuse:
            raise NotFound("the subject moved away", field="subject")
        return real(*args, **kwargs)

    monkeypatch.setattr(part, "_check_in", flaky)
    headers = {"Authorization": f"Bearer {pair.tokens['verifier']}"}
    ok = {"subject": ME, "service": "flight", "purpose": "ticket sale"}
    before = _log(pair.app)
    r = _send(pair.lean, "POST", "/v1/checks", headers, ok)
    assert r.status_code == 200, r.text
    assert calls == [1, 2, 3, 4]  # prepared, refused at commit; FastAPI: prepared, committed
    assert _log(pair.app) == before + 1
    calls.clear()
    refuse.update({4})  # FastAPI's recomputation fails too
    r = _send(pair.lean, "POST", "/v1/checks", headers, ok)
    assert r.status_code == 404, r.text
    assert _log(pair.app) == before + 1
