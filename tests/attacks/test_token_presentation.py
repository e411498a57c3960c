"""Attack: present one token to the route and another to the rate limiter.

The limiter authenticates the token a request presents and counts the request against
that principal's budget; the route (or the lean dispatch, api/hot.py) acts for the
principal of the token IT reads. The two read the headers differently, a verifier could
act as itself while being counted as someone else -- with a junk token, as its address,
escaping its own limit: a second Authorization header (the limiter read the last, the
route the first), two ``sc_token`` cookies (the limiter the first, Starlette the last),
a quoted cookie (Starlette unquotes it). Both services, lean and plain, are attacked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from socialcredit.http.guards import bearer_token
from tests.api.conftest import ME, seeded, serve

LIMIT = 3
BODY = {"subject": ME, "service": "flight", "purpose": "ticket sale"}


@pytest.fixture(params=[True, False], ids=["lean", "plain"])
def limited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    settings, app, tokens = seeded(f"sqlite:///{tmp_path / 'budget.db'}")
    settings = replace(settings, rate_principal=f"{LIMIT}/minute", rate_anonymous="1000/minute")
    for url in serve(settings, app.store, lean=request.param):
        yield url, tokens["verifier"]
    app.store.close()


def _presentations(token: str) -> dict[str, list[tuple[str, str]]]:
    return {
        "a junk second header": [
            ("Authorization", f"Bearer {token}"),
            ("Authorization", "Bearer junk"),
        ],
        "a junk first cookie": [("Cookie", f"sc_token=junk; sc_token={token}")],
        "a junk first Cookie header": [
            ("Cookie", "sc_token=junk"),
            ("Cookie", f"sc_token={token}"),
        ],
        "a quoted cookie": [("Cookie", f'sc_token="{token}"')],
    }


def test_a_principal_cannot_escape_its_budget_by_how_it_presents_its_token(
    limited: tuple[str, str],
) -> None:
    url, token = limited
    with httpx.Client(base_url=url, timeout=10) as c:
        for what, headers in _presentations(token).items():
            codes = [c.post("/v1/checks", json=BODY, headers=headers).status_code for _ in range(2)]
            # Each presentation acts as the verifier (the route reads the token) ...
            assert 429 in codes or codes == [200, 200], (what, codes)
        # ... and every one of them was counted against the verifier's own budget.
        plain = c.post("/v1/checks", json=BODY, headers={"Authorization": f"Bearer {token}"})
        assert plain.status_code == 429, plain.text


@pytest.mark.parametrize("what", list(_presentations("TOKEN")))
def test_the_limiter_reads_the_token_the_route_reads(what: str) -> None:
    headers = [(k.lower().encode(), v.encode()) for k, v in _presentations("TOKEN")[what]]
    assert bearer_token(headers) == "TOKEN"
