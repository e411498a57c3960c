"""Issue 18 over real HTTP: the same answers as the console, in the same shapes."""

from __future__ import annotations

from tests.api.conftest import ME


def test_score_under_a_scheme_for_another_kind_is_422(live) -> None:
    with live.client("subject") as c:
        res = c.get(f"/v1/subjects/{ME}/scores/enterprise")
    assert res.status_code == 422, res.text
    body = res.json()
    assert body["field"] == "subject"
    assert "scheme 'enterprise' applies to organisations only" in body["detail"]
    with live.client("subject") as c:
        assert c.get(f"/v1/subjects/{ME}/scores/rongcheng").status_code == 200
