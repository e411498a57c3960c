"""``check`` for a service none of whose clauses is about the subject's kind is refused.

It used to answer a bare ``allow`` (no reason) when, say, a procurement office asked about
a person for the public-tender fast track (a clause for organisations only) or a bike
rental asked about a company (a clause reading the person-only rongcheng scheme): the
clauses were skipped, not passed, and "allow" read as "nothing against them". Now the
answer is a precise refusal, with nothing recorded; a service with a clause for the
subject's kind still answers from those clauses.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from socialcredit.application import Actor
from socialcredit.cli import app as cli
from socialcredit.core.errors import BadInput
from tests.conftest import OP, raw_sql

PERSON = "11010519491231002X"
ORG = "91350100M000100Y43"


@pytest.fixture
def both(app):
    app.records.add_subject(OP, PERSON, "person", "Wang Wei")
    app.records.add_subject(OP, ORG, "organisation", "Harbour Foods Co.")
    return app


def _log(db_url: str) -> int:
    return int(raw_sql(db_url, "SELECT count(*) FROM access_log")[0][0])


@pytest.mark.parametrize(
    ("subject", "service", "verifier", "message"),
    [
        (
            PERSON,
            "public-tender-fast-track",
            "procurement-demo",
            f"service 'public-tender-fast-track' is decided only for organisation subjects; "
            f"{PERSON} is a person",
        ),
        (
            ORG,
            "bike-rental-deposit-free",
            "bike-demo",
            f"decided only for person subjects; {ORG} is an organisation",
        ),
        # a valid ID that is not registered is judged by the kind its form says
        (
            "110105198001010016",
            "public-tender-fast-track",
            "procurement-demo",
            "decided only for organisation subjects",
        ),
    ],
)
def test_a_service_for_another_kind_is_refused_and_nothing_recorded(
    both, db_url, subject, service, verifier, message
) -> None:
    before = _log(db_url)
    with pytest.raises(BadInput, match=message.replace("(", r"\(")):
        both.lists.check(Actor(verifier, "verifier", "tender"), subject, service)
    assert _log(db_url) == before


def test_a_service_with_a_clause_for_the_kind_still_answers(both) -> None:
    # preferential-loan-terms has a rongcheng clause (persons) and an enterprise clause
    assert both.lists.check(
        Actor("bank-demo", "verifier", "loan"), PERSON, "preferential-loan-terms"
    )
    assert both.lists.check(Actor("bank-demo", "verifier", "loan"), ORG, "preferential-loan-terms")
    # list clauses are about any kind
    assert (
        both.lists.check(Actor("airline-demo", "verifier", "ticket"), ORG, "flight").decision
        == "allow"
    )


def test_the_cli_exits_2_with_the_message(both, db_url) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            db_url,
            "check",
            PERSON,
            "--service",
            "public-tender-fast-track",
            "--verifier",
            "procurement-demo",
            "--purpose",
            "tender",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "decided only for organisation subjects" in result.output
