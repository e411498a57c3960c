"""Disputes and time, as a Hypothesis state machine over the real application and store.

Time is a controllable clock passed in through Settings; nothing reads the wall clock.
"""

from __future__ import annotations

import contextlib
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from socialcredit.application import Application
from socialcredit.core.errors import BadInput
from socialcredit.core.scoring import score
from socialcredit.settings import Settings
from tests.conftest import OP

P = "11010519491231002X"
RULES = [
    ("traffic-violation", "rongcheng-traffic-police"),
    ("fine-unpaid", "rongcheng-traffic-police"),
    ("city-award", "rongcheng-credit-office"),
]


class DisputesOverTime(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.now = datetime(2024, 1, 1, 12, tzinfo=UTC)
        folder = Path(tempfile.mkdtemp(prefix="sc-sm-"))
        self.app = Application(
            Settings(db_url=f"sqlite:///{folder / 's.db'}", clock=lambda: self.now)
        )
        self.app.documents.init(OP)
        self.app.records.add_subject(OP, P, "person", "Wang Wei")
        self.events: list[int] = []
        self.disputes: dict[int, int] = {}  # dispute -> item
        self.n = 0

    @property
    def today(self) -> date:
        return self.now.date()

    @rule(which=st.integers(0, len(RULES) - 1), back=st.integers(0, 20))
    def record(self, which: int, back: int) -> None:
        rule_code, authority = RULES[which]
        self.n += 1
        r = self.app.records.record(
            OP,
            P,
            "rongcheng",
            rule_code,
            authority=authority,
            evidence_ref=f"doc/{self.n}",
            occurred=self.today - timedelta(days=back),
        )
        self.events.append(r.event)

    @rule(pick=st.integers(0, 1000))
    def open_dispute(self, pick: int) -> None:
        if not self.events:
            return
        item = self.events[pick % len(self.events)]
        try:
            d = self.app.disputes.open(
                OP, item, subject=P, statement="not me", evidence_ref=None, occurred=self.today
            )
        except BadInput:
            return  # already disputed and open, or already voided
        self.disputes[d] = item

    @rule(pick=st.integers(0, 1000))
    def add_info(self, pick: int) -> None:
        if self.disputes:
            d = sorted(self.disputes)[pick % len(self.disputes)]
            with contextlib.suppress(BadInput):
                self.app.disputes.add_info(
                    OP, d, subject=P, statement="more", evidence_ref=None, occurred=self.today
                )

    @rule(pick=st.integers(0, 1000), outcome=st.sampled_from(["upheld", "annulled"]))
    def decide(self, pick: int, outcome: str) -> None:
        if self.disputes:
            d = sorted(self.disputes)[pick % len(self.disputes)]
            state = self.app.disputes.show(OP, d)
            reviewer = "rongcheng-appeals-board" if state.appealed else "rongcheng-review-board"
            with contextlib.suppress(BadInput):
                self.app.disputes.decide(
                    OP, d, reviewer=reviewer, outcome=outcome, reason="checked", occurred=self.today
                )

    @rule(pick=st.integers(0, 1000))
    def appeal(self, pick: int) -> None:
        if self.disputes:
            d = sorted(self.disputes)[pick % len(self.disputes)]
            with contextlib.suppress(BadInput):
                self.app.disputes.appeal(OP, d, subject=P, statement="wrong", occurred=self.today)

    @rule(days=st.integers(1, 40))
    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)

    @rule()
    def tick(self) -> None:
        self.app.upkeep.tick(OP, self.today)
        again = self.app.upkeep.tick(OP, self.today)
        assert (again.lapsed, again.erased) == (0, 0)  # idempotent

    @invariant()
    def no_dispute_open_past_its_deadline(self) -> None:
        for d in self.disputes:
            s = self.app.disputes.show(OP, d)
            deadline = s.deadline()
            if s.status(self.today) in ("open", "appealed"):
                assert deadline is not None and self.today < deadline

    @invariant()
    def voided_items_never_count_and_score_equals_never_recorded(self) -> None:
        if not hasattr(self, "app"):
            return
        voided = set()
        for d, item in self.disputes.items():
            s = self.app.disputes.show(OP, d)
            if s.voids_item(self.today):
                voided.add(item)
        report = self.app.records.score(OP, P, "rongcheng", self.today)
        assert not voided & {ln.event for ln in report.lines}
        with self.app.store.transaction() as conn:
            book = self.app.store.rulebook_versions(conn, "rongcheng")[-1]
            raw = [
                e
                for e in self.app.store.events_for(conn, P, "rongcheng")
                if e.type == "score" and e.id not in voided
            ]
        assert score(book, P, raw, self.today).score == report.score


DisputesOverTime.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None
)
TestDisputesOverTime = DisputesOverTime.TestCase
