"""Every document kind over HTTP: read publicly, published only past the whole check."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import Live

FOLDER = Path(__file__).parents[2] / "src" / "socialcredit" / "rulebooks"


def test_every_kind_is_readable_without_a_token(live: Live) -> None:
    with live.client() as c:
        index = c.get("/v1/documents").json()["documents"]
        assert {"kind": "catalogue", "id": "catalogue"} in index
        assert {"kind": "list", "id": "court-defaulters"} in index
        for ident, kind in (
            ("catalogue", "catalogue"),
            ("measures", "measures"),
            ("court-defaulters", "list"),
            ("rewards", "memorandum"),
            ("sesame", "scorecard"),
        ):
            r = c.get(f"/v1/documents/{ident}")
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["kind"] == kind
            v = body["versions"][-1]
            assert v["legal_basis"] and v["published"] and v["effective"] and v["registered"]
        entries = c.get("/v1/documents/catalogue").json()["versions"][0]["entries"]
        assert all(e["whose"] == "self" and e["legal_basis"] for e in entries)
        missing = c.get("/v1/documents/nothing")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        page = c.get("/documents/measures")
        assert page.status_code == 200 and "Government Procurement Law" in page.text


def test_a_refused_document_lists_every_finding_and_nothing_is_published(live: Live) -> None:
    text = (FOLDER / "rongcheng.toml").read_text()
    text = (
        text.replace('version = "2014.1"', 'version = "2014.9"')
        .replace("effective = 2014-01-01", "effective = 2015-01-01")
        .replace("base = 1000", "base = 700")
    )
    with live.client("admin") as c:
        r = c.post("/v1/documents", content=text, headers={"content-type": "text/plain"})
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["code"] == "policy-refused"
        codes = {(f["path"], f["code"]) for f in body["findings"]}
        assert ("effective", "effective-before-publication") in codes
        assert ("base", "changes-the-past") in codes
        unknown = text.replace('conduct = "city-award"', 'conduct = "positive-energy"')
        r = c.post("/v1/documents", content=unknown, headers={"content-type": "text/plain"})
        assert r.status_code == 422 and r.json()["code"] == "rulebook-invalid"
        assert ("rules[4].conduct", "unknown-conduct") in {
            (f["path"], f["code"]) for f in r.json()["findings"]
        }
    with live.client() as c:
        versions = c.get("/v1/documents/rongcheng").json()["versions"]
        assert [v["version"] for v in versions] == ["2014.1"]
