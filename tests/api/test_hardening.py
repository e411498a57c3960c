"""The service under hostile use (issue 15), over real HTTP on loopback.

Each test reproduces an attack that used to work and shows the answer now: headers,
redirects, CSRF, tokens that end, rate limits, cheap public figures, data that cannot
break a page, and exact status codes.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from socialcredit.application import Application
from socialcredit.http.guards import json_depth
from socialcredit.settings import Settings
from socialcredit.web.defences import safe_next
from tests.api.conftest import ME, NOW, OTHER, Live, csrf_of, seeded, serve, web_session
from tests.conftest import OP, raw_sql

GOOD = {
    "subject": ME,
    "scheme": "rongcheng",
    "rule": "traffic-violation",
    "occurred": "2024-05-01",
    "evidence": "t/1",
}


_OPEN: list[httpx.Client] = []


def _keep(client: httpx.Client) -> httpx.Client:
    """Clients made inline are closed after each test (no socket left to the collector)."""
    _OPEN.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _live_with(tmp_path: Path, **overrides) -> Iterator[Live]:
    settings, app, tokens = seeded(f"sqlite:///{tmp_path / 'h.db'}")
    settings = dataclasses.replace(settings, **overrides)
    for url in serve(settings):
        yield Live(url, tokens, Application(settings, app.store))
    app.store.close()


# -- 1. web defences ------------------------------------------------------------------------
SECURITY_HEADERS = (
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "permissions-policy",
)


@pytest.mark.parametrize(
    "path", ["/", "/signin", "/stats", "/log", "/v1/rulebooks", "/nope", "/v1/nope", "/docs"]
)
def test_every_response_carries_the_security_headers(live: Live, path: str) -> None:
    r = httpx.get(live.url + path)
    for header in SECURITY_HEADERS:
        assert header in r.headers, (path, header)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in r.headers  # plain HTTP, no TLS proxy declared


def test_refusals_before_any_route_carry_the_headers_too(live: Live) -> None:
    r = httpx.post(live.url + "/v1/events", content=b"x" * 2_000_000)
    assert r.status_code == 413 and "content-security-policy" in r.headers


def test_pages_have_no_inline_script_or_style(live: Live) -> None:
    for path in ("/", "/signin", "/stats", "/log", "/rulebooks/rongcheng", "/docs"):
        html = httpx.get(live.url + path).text
        assert "<script>" not in html and "style=" not in html, path
        assert "<style" not in html, path


def test_behind_a_tls_proxy_hsts_and_secure_cookies(tmp_path: Path) -> None:
    for live in _live_with(tmp_path, behind_tls=True):
        r = httpx.get(live.url + "/signin")
        assert r.headers["strict-transport-security"].startswith("max-age=")
        assert "Secure" in r.headers["set-cookie"]
        c = _keep(httpx.Client(base_url=live.url))
        c.cookies.set("sc_csrf", r.cookies["sc_csrf"])
        r = c.post("/signin", data={"token": live.tokens["subject"], "csrf": r.cookies["sc_csrf"]})
        assert r.status_code == 303
        session = next(h for h in r.headers.get_list("set-cookie") if h.startswith("sc_token="))
        assert "Secure" in session and "HttpOnly" in session and "SameSite=strict" in session


def test_session_cookie_is_httponly_samesite_and_short_lived(live: Live) -> None:
    c = _keep(httpx.Client(base_url=live.url))
    csrf = csrf_of(c.get("/signin").text)
    r = c.post("/signin", data={"token": live.tokens["subject"], "csrf": csrf})
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("sc_token="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    assert "Max-Age=3600" in cookie
    session = r.cookies["sc_token"]
    assert session != live.tokens["subject"]  # a session token, not the long-lived one
    row = next(t for t in live.app.tokens.list(ME) if t["label"] == "web session")
    lifetime = datetime.fromisoformat(row["expires"]) - datetime.fromisoformat(row["created"])
    assert lifetime == timedelta(minutes=60)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/phish",
        "/\\evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "/%0d%0aLocation:%20https://evil.example",
        "javascript:alert(1)",
        " //evil.example",
    ],
)
def test_sign_in_never_redirects_off_site(live: Live, target: str) -> None:
    c = _keep(httpx.Client(base_url=live.url))
    csrf = csrf_of(c.get("/signin", params={"next": target}).text)
    r = c.post("/signin", data={"token": live.tokens["subject"], "next": target, "csrf": csrf})
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location.split("?")[0] or location.startswith("/%0d"), location


def test_safe_next_keeps_same_site_paths() -> None:
    assert safe_next("/counter") == "/counter"
    assert safe_next("/rulebooks/rongcheng?x=1") == "/rulebooks/rongcheng?x=1"
    for bad in ("//x", "/\\x", "https://x", "x", "", "/a\\b", "/a\nb"):
        assert safe_next(bad) is None, bad


def _dispute_form(live: Live, event: int) -> tuple[httpx.Client, dict[str, str]]:
    c = _keep(web_session(live.url, live.tokens["subject"]))
    csrf = csrf_of(c.get("/counter").text)
    return c, {"item": str(event), "statement": "not my car", "csrf": csrf}


def _event(live: Live) -> int:
    return live.app.records.record(
        OP,
        ME,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="ticket/1",
        occurred=date(2024, 5, 1),
    ).event


def _disputes(live: Live) -> int:
    return len(live.app.access.export(OP, ME).model_dump(mode="json")["disputes"])


def test_cross_origin_form_post_is_refused(live: Live) -> None:
    event = _event(live)
    c, form = _dispute_form(live, event)
    r = c.post("/counter/dispute", data=form, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    r = c.post("/counter/dispute", data=form, headers={"Referer": "http://evil.example/x"})
    assert r.status_code == 403
    r = c.post("/counter/dispute", data=form, headers={"Origin": "null"})
    assert r.status_code == 403
    assert _disputes(live) == 0
    r = c.post("/counter/dispute", data=form, headers={"Origin": live.url})
    assert r.status_code == 200 and _disputes(live) == 1


def test_a_form_without_the_csrf_token_is_refused(live: Live) -> None:
    event = _event(live)
    c, form = _dispute_form(live, event)
    for bad in ("", "x" * 43, form["csrf"][:-1] + ("A" if form["csrf"][-1] != "A" else "B")):
        r = c.post("/counter/dispute", data={**form, "csrf": bad})
        assert r.status_code == 403, bad
    # the attacker's own cookie and token pair, planted on the victim: the session
    # cookie is the victim's, but the pair must come from this browser's cookie
    fresh = _keep(httpx.Client(base_url=live.url))
    own = csrf_of(fresh.get("/signin").text)
    r = c.post("/counter/dispute", data={**form, "csrf": own})
    assert r.status_code == 403
    assert _disputes(live) == 0
    # every state-changing form: sign in, sign out, desk, verify, review
    anon = _keep(httpx.Client(base_url=live.url))
    assert anon.post("/signin", data={"token": live.tokens["subject"]}).status_code == 403
    for path, data in (
        ("/signout", {}),
        (
            "/desk/record",
            {"subject": ME, "rule": "rongcheng/x", "occurred": "2024-01-01", "evidence": "e"},
        ),
        ("/verify", {"subject": ME, "service": "flight", "purpose": "p"}),
        ("/review/1", {"outcome": "upheld", "reason": "r"}),
    ):
        assert c.post(path, data=data).status_code == 403, path


# -- 2. tokens that end -------------------------------------------------------------------
def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "socialcredit"), "--db", db_url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_revocation_from_the_cli_takes_effect_at_once_in_the_running_service(
    live: Live,
) -> None:
    db = live.app.settings.db_url
    with live.client("registrar") as c:
        assert c.get("/v1/desk/events").status_code == 200
        listed = _cli(db, "token", "list", "--principal", "rongcheng-traffic-police", "--json")
        assert listed.returncode == 0, listed.stderr
        assert live.tokens["registrar"] not in listed.stdout
        import json

        rows = json.loads(listed.stdout)
        # (the CLI runs on the real clock, the service on the fixture's 2024 one)
        assert {r["state"] for r in rows} <= {"active", "expired"}
        assert all(len(r["id"]) == 12 for r in rows)
        done = _cli(db, "token", "revoke", rows[0]["id"], "--reason", "lost laptop")
        assert done.returncode == 0, done.stderr
        r = c.get("/v1/desk/events")
        assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    after = live.app.tokens.list("rongcheng-traffic-police")
    assert after[0]["state"] == "revoked"


def test_deleting_a_token_row_with_raw_sql_stops_it_at_once(live: Live) -> None:
    with live.client("verifier") as c:
        assert c.get("/v1/whoami").json()["principal"] == "airline-demo"
        raw_sql(live.app.settings.db_url, "DELETE FROM api_tokens WHERE principal = 'airline-demo'")
        assert c.get("/v1/whoami").status_code == 401


def test_signing_out_revokes_the_session_token(live: Live) -> None:
    c = _keep(web_session(live.url, live.tokens["subject"]))
    session = c.cookies["sc_token"]
    assert (
        httpx.get(live.url + "/v1/whoami", headers={"Authorization": f"Bearer {session}"}).json()[
            "principal"
        ]
        == ME
    )
    csrf = csrf_of(c.get("/counter").text)
    assert c.post("/signout", data={"csrf": csrf}).status_code == 303
    r = httpx.get(live.url + "/v1/whoami", headers={"Authorization": f"Bearer {session}"})
    assert r.status_code == 401
    # the long-lived token the resident signed in with is untouched
    assert _keep(live.client("subject")).get("/v1/whoami").status_code == 200


def test_tokens_expire(tmp_path: Path) -> None:
    clock = [NOW]
    settings, app, _tokens = seeded(f"sqlite:///{tmp_path / 'x.db'}")
    settings = dataclasses.replace(settings, clock=lambda: clock[0])
    app = Application(settings, app.store)
    short = app.tokens.issue(OP, "auditor", "city-auditor", ttl=timedelta(days=1))
    default = app.tokens.issue(OP, "auditor", "city-auditor")
    for url in serve(settings):

        def who(token: str) -> int:
            return httpx.get(
                url + "/v1/whoami", headers={"Authorization": f"Bearer {token}"}
            ).status_code

        assert who(short) == who(default) == 200
        clock[0] = NOW + timedelta(days=1, seconds=1)
        assert who(short) == 401 and who(default) == 200
        clock[0] = NOW + timedelta(days=90, seconds=1)
        assert who(default) == 401
    states = {t["state"] for t in app.tokens.list("city-auditor")}
    assert states == {"expired"}
    app.store.close()


def test_token_commands(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 't.db'}"
    _settings, app, _tokens = seeded(db)
    app.store.close()
    r = _cli(
        db, "token", "issue", "--role", "auditor", "--principal", "a1", "--expires", "P2W", "--json"
    )
    assert r.returncode == 0, r.stderr
    import json

    issued = json.loads(r.stdout)
    created = datetime.fromisoformat(issued["expires"]) - timedelta(days=14)
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=5)
    for bad in ("90 days", "PT5M", "P0D", ""):
        r = _cli(db, "token", "issue", "--role", "auditor", "--principal", "a1", "--expires", bad)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (bad, r.stderr)
    r = _cli(db, "token", "list")
    assert r.returncode == 0 and issued["token"] not in r.stdout and issued["id"] in r.stdout
    r = _cli(db, "token", "revoke", "nothex!!")
    assert r.returncode == 2 and "token id" in r.stderr
    r = _cli(db, "token", "revoke", "0123456789ab")
    assert r.returncode == 2 and "unknown token" in r.stderr
    r = _cli(db, "token", "revoke", "--principal", "a1", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["revoked"] == [issued["id"]]
    r = _cli(db, "token", "revoke")
    assert r.returncode == 2


# -- 3. rate limits ------------------------------------------------------------------------
def test_rate_limits_per_principal_and_per_address(tmp_path: Path) -> None:
    for live in _live_with(tmp_path, rate_principal="5/minute", rate_anonymous="4/minute"):
        with live.client("verifier") as c:
            codes = [c.get("/v1/whoami").status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        r = _keep(live.client("verifier")).get("/v1/whoami")
        assert r.status_code == 429
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "rate-limited" and 0 < int(r.headers["retry-after"]) <= 60
        # another principal has its own budget
        assert _keep(live.client("auditor")).get("/v1/whoami").status_code == 200
        anon = [httpx.get(live.url + "/v1/rulebooks").status_code for _ in range(5)]
        assert anon == [200] * 4 + [429]
        page = httpx.get(live.url + "/stats")
        assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
        assert int(page.headers["retry-after"]) > 0
        # a forged X-Forwarded-For does not buy a fresh budget
        r = httpx.get(live.url + "/v1/rulebooks", headers={"X-Forwarded-For": "10.9.9.9"})
        assert r.status_code == 429
        # nor does a made-up token: it counts against the address
        for bogus in ("Bearer made-up", "Basic abc"):
            r = httpx.get(live.url + "/v1/rulebooks", headers={"Authorization": bogus})
            assert r.status_code == 429, bogus
        r = httpx.get(live.url + "/v1/rulebooks", cookies={"sc_token": "made-up"})
        assert r.status_code == 429


# -- 4. cheap public pages -----------------------------------------------------------------
def _aggregate_reads(live: Live) -> int:
    rows = raw_sql(
        live.app.settings.db_url,
        "SELECT count(*) FROM access_log WHERE action = 'aggregate.grades'",
    )
    return int(rows[0][0])


def test_public_figures_are_materialised_per_day_and_publication(live: Live) -> None:
    first = httpx.get(live.url + "/stats")
    assert first.status_code == 200
    computed = _aggregate_reads(live)
    assert computed == len(live.app.documents.schemes())
    for _ in range(5):
        assert httpx.get(live.url + "/stats").status_code == 200
        assert httpx.get(live.url + "/v1/stats/grades/rongcheng").status_code == 200
        assert httpx.get(live.url + "/stats/rongcheng.svg").status_code == 200
    assert _aggregate_reads(live) == computed  # served from the materialised figures
    # the same figures as a fresh computation (differential)
    body = httpx.get(live.url + "/v1/stats/grades/rongcheng").json()
    fresh = live.app.batch.grade_distribution(OP, "rongcheng")
    assert {g: n for g, n in body["grades"].items() if n} == dict(fresh)
    # a publication recomputes
    _publish_dollar_grade(live)
    assert httpx.get(live.url + "/stats").status_code == 200
    assert _aggregate_reads(live) == 2 * computed + 1  # + the differential read above


# -- 5. pages that cannot be broken by data ------------------------------------------------
DOLLAR = "$\\frac{$"


def _publish_dollar_grade(live: Live) -> None:
    from socialcredit.application import packaged_rulebooks

    text = dict(packaged_rulebooks())["village.toml"]
    # A new version takes effect from its publication on (the live clock's day) and
    # changes nothing already past; the grade is renamed everywhere it is named.
    day = live.app.settings.clock().date().isoformat()
    text = (
        text.replace('version = "2016.1"', 'version = "2016.2"')
        .replace("published = 2015-12-20", f"published = {day}")
        .replace("effective = 2016-01-01", f"effective = {day}")
        .replace('"civilised-family"', f"'{DOLLAR}'")
    )
    live.app.documents.publish(OP, text)


def test_a_mathtext_grade_label_cannot_break_the_figures(live: Live) -> None:
    _publish_dollar_grade(live)
    for _ in range(2):
        r = httpx.get(live.url + "/stats")
        assert r.status_code == 200 and DOLLAR in r.text
        svg = httpx.get(live.url + "/stats/village.svg")
        assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
        assert DOLLAR in svg.text  # drawn as the text it is
        api = httpx.get(live.url + "/v1/stats/grades/village", params={"chart": "true"})
        assert api.status_code == 200 and DOLLAR in api.json()["grades"]


def test_a_page_error_is_a_page_and_an_api_error_is_a_problem(live: Live) -> None:
    r = httpx.get(live.url + "/rulebooks/no-such-scheme")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "no-such-scheme" in r.text and "<h1>" in r.text
    r = httpx.get(live.url + "/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    r = httpx.get(live.url + "/v1/rulebooks/no-such-scheme")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    c = _keep(web_session(live.url, live.tokens["subject"]))
    csrf = csrf_of(c.get("/counter").text)
    r = c.post("/counter/dispute", data={"item": "x", "statement": "s", "csrf": csrf})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")


# -- 6. exact answers ----------------------------------------------------------------------
def test_a_chunked_body_over_the_limit_is_413(live: Live) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(32):
            yield b"[" * 65_536

    before = live.app.integrity.verify()
    with live.client("registrar") as c:
        r = c.post("/v1/events", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "too-large"
    assert live.app.integrity.verify() == before  # nothing written


def test_over_deep_json_is_422(live: Live) -> None:
    with live.client("registrar") as c:
        for body in (b"[" * 5000 + b"]" * 5000, b'{"a":' * 100 + b"1" + b"}" * 100):
            r = c.post("/v1/events", content=body, headers={"content-type": "application/json"})
            assert r.status_code == 422, r.text
            assert r.json()["field"] == "body" and "nested" in r.json()["detail"]
        # brackets inside strings do not count
        r = c.post("/v1/events", json={**GOOD, "evidence": "[" * 200})
        assert r.status_code == 201


def test_json_depth() -> None:
    assert json_depth(b"[]") == 1
    assert json_depth(b'{"a": [1, {"b": "[[[["}]}') == 3
    assert json_depth(b'"\\"[["') == 0


def test_another_subjects_dispute_or_entry_is_the_same_404_as_an_unknown_one(
    live: Live,
) -> None:
    event = _event(live)
    mine = live.app.disputes.open(
        OP, event, subject=ME, statement="no", evidence_ref=None, occurred=date(2024, 6, 1)
    )
    entry = live.app.lists.propose(
        OP,
        ME,
        "court-defaulters",
        authority="rongcheng-people-court",
        evidence_ref="judgment/9",
        occurred=date(2024, 5, 1),
        fields={
            "case_number": "(2024) 9",
            "court": "Rongcheng",
            "judgment_date": "2024-04-01",
            "obligation": "pay",
        },
    ).event
    body = {"statement": "mine now", "occurred": "2024-06-01"}
    with live.client("other") as c:
        answers = []
        for path, payload in (
            (f"/v1/subjects/{OTHER}/disputes/{mine}/info", body),
            (f"/v1/subjects/{OTHER}/disputes/999999/info", body),
            (f"/v1/subjects/{OTHER}/disputes/{mine}/appeal", body),
            (f"/v1/subjects/{OTHER}/disputes/999999/appeal", body),
        ):
            r = c.post(path, json=payload)
            answers.append(
                (
                    r.status_code,
                    r.json()["code"],
                    r.json()["field"],
                    r.json()["detail"].replace(str(mine), "N").replace("999999", "N"),
                )
            )
        assert len(set(answers)) == 1 and answers[0][0] == 404, answers
        consent = {"consent": True, "occurred": "2024-06-01"}
        a = c.post(f"/v1/subjects/{OTHER}/list-entries/{entry}/consent", json=consent)
        b = c.post(f"/v1/subjects/{OTHER}/list-entries/999999/consent", json=consent)
        assert a.status_code == b.status_code == 404
        assert a.json()["detail"].replace(str(entry), "N") == b.json()["detail"].replace(
            "999999", "N"
        )


def test_identical_concurrent_submissions_are_one_event(db_url: str) -> None:
    """Rounds of 8 identical submissions released at once: each round is one event."""
    settings, app, tokens = seeded(db_url)
    rounds, width = 12, 8
    results: list[tuple[int, httpx.Response]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(width)
    for url in serve(settings, app.store):

        def submit() -> None:
            headers = {"Authorization": f"Bearer {tokens['registrar']}"}
            with httpx.Client(base_url=url, timeout=60, headers=headers) as c:
                c.get("/v1/whoami")  # connected before the race
                for n in range(rounds):
                    barrier.wait()
                    r = c.post("/v1/events", json={**GOOD, "evidence": f"t/{n}"})
                    with lock:
                        results.append((n, r))

        base = app.integrity.verify()[0]
        threads = [threading.Thread(target=submit) for _ in range(width)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    try:
        bad = [r.text for _, r in results if r.status_code not in (200, 201)]
        assert bad == []
        for n in range(rounds):
            answers = [r.json() for m, r in results if m == n]
            assert len({a["event"] for a in answers}) == 1, answers
            assert sum(a["created"] for a in answers) == 1
        assert app.integrity.verify() == (base + rounds, None)
    finally:
        app.store.close()


def test_a_conflict_never_names_a_constraint(db_url: str) -> None:
    from socialcredit.core.errors import Conflict

    _settings, app, _ = seeded(db_url)
    from socialcredit.store import schema as t

    with pytest.raises(Conflict) as caught, app.store.transaction() as conn:
        conn.execute(
            t.api_tokens.insert(),
            [{"token_hash": "a" * 64, "principal": "p", "role": "admin", "created": "x"}] * 2,
        )
    assert "uq_" not in caught.value.message and "api_tokens" not in caught.value.message
    assert "pkey" not in caught.value.message.lower()
    app.store.close()


def test_a_store_from_before_token_expiry_is_upgraded_in_place(db_url: str) -> None:
    """Stores created before tokens could end get the new columns on first use; their
    old tokens keep working (no expiry recorded) until revoked."""
    from socialcredit.store.sql import Store

    _settings, app, tokens = seeded(db_url)
    app.store.close()
    for column in ("expires", "revoked", "revoked_reason", "label"):
        raw_sql(db_url, f"ALTER TABLE api_tokens DROP COLUMN {column}")
    settings = Settings(db_url=db_url, clock=lambda: NOW)
    old = Application(settings, Store(db_url))
    assert old.tokens.authenticate(tokens["auditor"]) == ("city-auditor", "auditor")
    assert {t["state"] for t in old.tokens.list("city-auditor")} == {"active"}
    fresh = old.tokens.issue(OP, "auditor", "city-auditor")
    assert old.tokens.authenticate(fresh) == ("city-auditor", "auditor")
    assert len(old.tokens.revoke(OP, principal="city-auditor")) == 2
    assert old.tokens.authenticate(tokens["auditor"]) is None
    old.store.close()


def test_the_rate_limit_is_a_moving_window_without_threads(monkeypatch) -> None:
    """Issue 16: counted in O(1) per request with no timer thread (the library's memory
    storage started one every 10 ms of traffic), and still a moving window: a burst at
    the end of one second and the start of the next is one window, not two."""
    import threading

    from socialcredit.http import limits as lim
    from socialcredit.settings import Settings

    now = [1000.0]
    monkeypatch.setattr(lim.time, "monotonic", lambda: now[0])
    limits = lim.RateLimits(Settings(rate_principal="3/second;5/minute", rate_anonymous=""))
    threads = threading.active_count()
    assert [limits.hit("principal", "a") for _ in range(3)] == [None] * 3
    assert limits.hit("principal", "a") == 1  # the oldest of the 3 leaves in 1 s
    assert limits.hit("principal", "b") is None  # another principal, another budget
    now[0] += 0.6
    assert limits.hit("principal", "a") == 1  # still 3 within the last second
    now[0] += 0.5
    assert limits.hit("principal", "a") is None  # 1.1 s: the first three left
    assert limits.hit("principal", "a") is None  # 5 admitted within the minute
    now[0] += 2
    wait = limits.hit("principal", "a")
    assert wait is not None and 55 <= wait <= 60  # the minute's budget, not the second's
    assert limits.hit("anonymous", "10.0.0.1") is None  # no anonymous limit configured
    assert threading.active_count() == threads
    # keys idle for the longest window are forgotten
    now[0] += 61
    limits._prune(now[0])
    assert limits._hits == {}


def test_a_zero_rate_limit_admits_nothing() -> None:
    from socialcredit.http.limits import RateLimits
    from socialcredit.settings import Settings

    limits = RateLimits(Settings(rate_principal="0/minute"))
    assert limits.hit("principal", "a") == 60
    assert limits.hit("principal", "a") == 60
