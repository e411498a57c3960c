"""One shape per write: the table in docs/results.md, the models, and every write route agree."""

from __future__ import annotations

import re
from pathlib import Path

from socialcredit.application.record_views import SubjectRecord
from socialcredit.application.results import RESULTS
from socialcredit.application.views import VIEWS
from socialcredit.server import create_app
from socialcredit.settings import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "results.md"
ROW = re.compile(r"^\| `(\w+)` \| (.*?) \| (.*?) \| (.*?) \|$")


def table() -> dict[str, list[str]]:
    out = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            out[m.group(1)] = re.findall(r"`(\w+)`", m.group(4))
    return out


def test_the_table_documents_each_result_once_with_its_fields() -> None:
    documented = table()
    shapes = (*RESULTS, *VIEWS, SubjectRecord)
    assert sorted(documented) == sorted(m.__name__ for m in shapes)
    for model in shapes:
        fields = [f.alias or name for name, f in model.model_fields.items()]
        assert documented[model.__name__] == fields, model.__name__


def test_every_write_route_answers_with_a_shared_result(tmp_path: Path) -> None:
    """Read from the OpenAPI document, so it holds for whatever the router machinery is."""
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'r.db'}"))
    names = {m.__name__ for m in RESULTS}
    writes = 0
    for path, ops in app.openapi()["paths"].items():
        if "post" not in ops or not path.startswith("/v1/") or path == "/v1/checks":
            continue  # /v1/checks is a question (the verifier's decision), not a write
        writes += 1
        ok = [v for k, v in ops["post"]["responses"].items() if k.startswith("2")]
        (answer,) = ok
        ref = answer["content"]["application/json"]["schema"]["$ref"]
        assert ref.rsplit("/", 1)[-1] in names, (path, ref)
    assert writes >= 12
    app.state.store.close()
