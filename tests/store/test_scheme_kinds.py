"""A scheme applies only to the subject kinds it is published for.

``score ORG --scheme rongcheng`` used to answer 1000/A for a company under a scheme
published for persons. Scoring and recording now refuse, naming the scheme's kinds, and
write nothing (not even an access record); views that list every scheme skip the others.
"""

from __future__ import annotations

from datetime import date

import pytest

from socialcredit.core.errors import BadInput
from tests.conftest import OP

PERSON = "11010519491231002X"
ORG = "91350100M000100Y43"


@pytest.fixture
def both(app):
    app.records.add_subject(OP, PERSON, "person", "Wang Wei")
    app.records.add_subject(OP, ORG, "organisation", "Harbour Foods Co.")
    return app


def _counts(app, db_url):
    from tests.conftest import raw_sql

    return (
        raw_sql(db_url, "SELECT count(*) FROM events")[0][0],
        raw_sql(db_url, "SELECT count(*) FROM access_log")[0][0],
    )


@pytest.mark.parametrize(
    ("subject", "scheme", "message"),
    [
        (
            ORG,
            "rongcheng",
            f"scheme 'rongcheng' applies to persons only; subject {ORG} is an organisation",
        ),
        (ORG, "sesame", "applies to persons only"),
        (PERSON, "enterprise", f"applies to organisations only; subject {PERSON} is a person"),
    ],
)
def test_score_refuses_a_subject_of_another_kind(both, db_url, subject, scheme, message) -> None:
    before = _counts(both, db_url)
    with pytest.raises(BadInput, match=message) as exc:
        both.records.score(OP, subject, scheme, date(2024, 6, 1))
    assert exc.value.field == "scheme" and exc.value.exit_code == 2
    assert exc.value.http_status == 422
    assert _counts(both, db_url) == before


def test_record_refuses_a_subject_of_another_kind(both, db_url) -> None:
    before = _counts(both, db_url)
    with pytest.raises(BadInput, match="applies to organisations only"):
        both.records.record(
            OP,
            PERSON,
            "enterprise",
            "tax-arrears",
            authority="rongcheng-tax-bureau",
            evidence_ref="e",
            occurred=date(2024, 1, 1),
        )
    with pytest.raises(BadInput, match="applies to organisations only"):
        both.records.record_many(
            OP,
            [
                {
                    "subject": PERSON,
                    "scheme": "enterprise",
                    "rule": "tax-arrears",
                    "authority": "rongcheng-tax-bureau",
                    "evidence_ref": "e",
                    "occurred": date(2024, 1, 1),
                }
            ],
        )
    assert _counts(both, db_url) == before


def test_matching_kinds_still_score_and_the_record_shows_only_theirs(both) -> None:
    assert both.records.score(OP, PERSON, "rongcheng", date(2024, 6, 1)).score == 1000
    assert both.records.score(OP, ORG, "enterprise", date(2024, 6, 1)).scheme == "enterprise"
    schemes = {r["scheme"] for r in both.access.export(OP, ORG).model_dump(mode="json")["reports"]}
    assert schemes == {"enterprise"}
    assert both.batch.grade_distribution(OP, "rongcheng", date(2024, 6, 1)).total() == 1
