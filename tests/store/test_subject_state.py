"""``subject_state`` says whether a subject has entries beyond its registration, on both
stores: the standing of one that has none is derived without reading the ledger, so a
wrong answer would hide an entry from every check (issue 16)."""

from __future__ import annotations

from datetime import date

from socialcredit.application import Actor, Application
from socialcredit.settings import Settings
from tests.conftest import OP

P = "11010519491231002X"
NOBODY = "110105197001010011"


def test_only_a_registration_is_no_entries_and_an_entry_is_seen(db_url: str) -> None:
    app = Application(Settings(db_url=db_url))
    try:
        app.documents.init(OP)
        app.records.add_subject(OP, P, "person", "Wang Wei")
        with app.store.read() as conn:
            kind, tip, recorded = app.store.subject_state(conn, P)
            assert (kind, recorded) == ("person", False) and tip > 0
            assert app.store.subject_state(conn, NOBODY) == (None, 0, False)
        checker = Actor("airline-demo", "verifier", "ticket sale")
        assert app.records.score(OP, P, "rongcheng").lines == []
        app.lists.check(checker, P, "flight")
        app.records.record(
            OP,
            P,
            "rongcheng",
            "traffic-violation",
            authority="rongcheng-traffic-police",
            evidence_ref="t/1",
            occurred=date.today(),
        )
        with app.store.read() as conn:
            kind, later, recorded = app.store.subject_state(conn, P)
            assert recorded and later > tip
            view = app.store.subject_view(conn, P)
            assert view is not None and view[0] == "person" and view[3] == (kind, later, True)
        # the cached standing of "nothing recorded" is not what the next check sees
        assert app.records.score(OP, P, "rongcheng").lines
    finally:
        app.store.close()


def test_a_subject_token_names_the_id_then_once_erased_the_pseudonym(db_url: str) -> None:
    """The token look-up maps the stored pseudonym back in the same statement (issue 16):
    the ID while the key row maps it, the pseudonym after erasure, on both stores."""
    app = Application(Settings(db_url=db_url))
    try:
        app.documents.init(OP)
        app.records.add_subject(OP, P, "person", "Wang Wei")
        with app.store.transaction() as conn:
            app.store.upgrade_tokens(conn)
        token = app.tokens.issue(OP, "subject", P)
        verifier = app.tokens.issue(OP, "verifier", "airline-demo")
        assert app.tokens.authenticate(token) == (P, "subject")
        assert app.tokens.authenticate(verifier) == ("airline-demo", "verifier")
        app.erasure.erase(OP, P, requested_by_subject=True)
        assert app.tokens.authenticate(token) == (app.records.pseudonym(P), "subject")
    finally:
        app.store.close()
