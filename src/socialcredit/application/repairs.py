"""Credit repair use cases: apply, decide, show (``core/repair.py`` holds the rules).

Severity comes from the item's list definition (``severity``, default ``general``) for
list entries and, for score events, from the entry for the rule's conduct in the
conduct catalogue in force on the event's date (``general`` only for a rule that names
no entry). A granted repair, or one left undecided past its deadline, ends the item
early from that day in the one derivation (``core/standing.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from socialcredit.application.base import Actor, Part, normalise_subject
from socialcredit.application.group_commit import Pending
from socialcredit.application.own import own_item, same_subject
from socialcredit.application.views import ScoreWithChanges
from socialcredit.core import lists as lists_core
from socialcredit.core import repair as repair_core
from socialcredit.core.changes import changes, list_changes, what_ifs
from socialcredit.core.errors import BadInput, Conflict, NotFound
from socialcredit.core.ledger import SCORE, Event
from socialcredit.core.policy.catalogue import Catalogue
from socialcredit.core.repair import RepairState
from socialcredit.core.rulebook import in_force
from socialcredit.core.scoring import ScoreReport
from socialcredit.core.standing import Published, Standing


@dataclass(frozen=True)
class RepairApplied:
    repair: int
    item: int
    severity: str
    decide_by: date


def catalogue_severity(app: Part, conn: Connection, conduct: str, on: date) -> str | None:
    """The severity the catalogue in force on ``on`` (the earliest before any) gives a
    conduct (NDRC Order No. 58), None if it has no such entry.

    The day is the conduct's: a catalogue is law for conduct from its ``effective`` date
    on, as a scheme version is for events. Taken from the latest catalogue published,
    one taking effect next year that made a train disruption serious banned today's
    disruptions a year instead of 180 days.
    """
    catalogues = [d for d in app.store.documents(conn, "catalogue") if isinstance(d, Catalogue)]
    ordered = sorted(catalogues, key=lambda c: (c.effective, c.version))
    for catalogue in reversed([c for c in ordered if c.effective <= on] or ordered[:1]):
        entry = catalogue.entry(conduct) if conduct else None
        if entry is not None:
            return str(entry.severity)
    return None


def conduct_severity(app: Part, conn: Connection, conduct: str, on: date) -> str:
    """``catalogue_severity``, ``general`` for a rule that names no catalogued conduct."""
    return catalogue_severity(app, conn, conduct, on) or repair_core.GENERAL


def item_terms(
    app: Part, conn: Connection, target: Event, standing: Standing
) -> tuple[str, date, str, int, tuple[str, ...]]:
    """(item kind, start of its effect, severity, decide-by business days, deciders)."""
    if target.id in standing.voided:
        raise Conflict(f"item {target.id} was voided: there is nothing to repair")
    if target.type == SCORE:
        if target.points >= 0:
            raise BadInput(
                f"item {target.id} is not negative: only a penalty can be repaired",
                field="item",
            )
        assert target.scheme is not None
        book = in_force(app._versions(conn, target.scheme), target.occurred)
        rule = book.rule(target.rule or "") if book else None
        severity = conduct_severity(app, conn, rule.conduct if rule else "", target.occurred)
        deciders = (target.authority, *(rule.authorities if rule else ()))
        return (
            "event",
            target.occurred,
            severity,
            repair_core.DEFAULT_DECIDE_BUSINESS_DAYS,
            (deciders),
        )
    if target.type == lists_core.PROPOSED:
        state = standing.lists[target.id]
        d = app._list_def(conn, state.list)
        if d.kind != "black":
            raise BadInput(f"entry {target.id} is on a red list: nothing to repair")
        if state.effective_from is None:
            raise Conflict(f"entry {target.id} has not taken effect: nothing to repair yet")
        return (
            "entry",
            state.effective_from,
            # a sized entry's own severity, else its list version's (core/lists_defs)
            state.severity or d.on(state.proposed).severity,
            d.repair_business_days,
            (target.authority, *d.authority_ids),
        )
    raise BadInput(
        f"item {target.id} is a {target.type} entry; only score events and list entries "
        "can be repaired",
        field="item",
    )


def severities(app: Part, conn: Connection, standing: Standing) -> dict[int, str]:
    """The repair severity of every negative item of the subject that still counts."""
    out: dict[int, str] = {}
    by_id = {e.id: e for e in standing.entries}
    items = [ln.event for r in standing.reports.values() for ln in r.lines if ln.points < 0]
    items += [s.entry for s in standing.lists.values() if s.effective_from is not None]
    for item in items:
        target = by_id.get(item)
        if target is None:
            continue
        try:
            out[item] = item_terms(app, conn, target, standing)[2]
        except (BadInput, Conflict, NotFound):
            continue
    return out


def changes_body(
    standing: Standing,
    entries: list[Event],
    published: Published,
    scheme: str,
    severity: dict[int, str],
    now: datetime,
) -> dict[str, Any]:
    """What changes when, as JSON: one shape for score --json, the API and the export."""
    return {
        "changes": [
            {"on": c.on.isoformat(), "items": list(c.items), "score": c.score, "grade": c.grade}
            for c in changes(standing, entries, published, scheme, now)
        ],
        "list_entries_end": [
            {"on": d.isoformat(), "entry": e, "list": lst} for d, e, lst in list_changes(standing)
        ],
        "if_ended_today": [
            {
                "item": w.item,
                "kind": w.kind,
                "action": w.action,
                "score": w.score,
                "grade": w.grade,
                "repair_from": w.repair_from.isoformat() if w.repair_from else None,
            }
            for w in what_ifs(standing, entries, published, severity, now)
            if w.scheme in (None, scheme)
        ],
    }


class Repairs(Part):
    """Credit repair: the subject applies to end a negative item early; the authority decides."""

    def apply(
        self,
        actor: Actor,
        item: int,
        *,
        subject: str,
        statement: str | None,
        evidence_ref: str | None,
        occurred: date,
    ) -> RepairApplied:
        """The subject applies to end a negative item early; the authority must decide."""
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            target = own_item(self, conn, sid, item)
            sid = target.subject  # as its items name it: an erased subject's pseudonym
            standing = self._standing(conn, sid, self._today())
            kind, start, severity, days, _ = item_terms(self, conn, target, standing)
            event = repair_core.apply(
                subject=sid,
                item=target,
                item_kind=kind,
                item_start=start,
                severity=severity,
                existing=list(standing.repairs.values()),
                statement=statement,
                evidence=evidence_ref,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
                decide_business_days=days,
            )
            (done,) = self.store.append(conn, [self._sealed(conn, event, actor)])
            self._access(conn, actor, "repair.apply", sid, {"repair": done.id, "item": item})
            state = repair_core.fold([done])[done.id]
        return RepairApplied(done.id, item, severity, state.decide_by)

    def _repair(self, conn: Connection, repair: int) -> tuple[RepairState, Standing]:
        first = self.store.get_event(conn, repair)
        if first is None or first.type != repair_core.APPLIED:
            raise NotFound(f"unknown repair {repair}", field="repair")
        standing = self._standing(conn, first.subject, self._today())
        return standing.repairs[repair], standing

    def decide(
        self,
        actor: Actor,
        repair: int,
        *,
        authority: str,
        outcome: str,
        reason: str | None,
        occurred: date,
    ) -> int:
        with self.store.transaction() as conn:
            self._ready(conn)
            state, standing = self._repair(conn, repair)
            target = self.store.get_event(conn, state.item)
            assert target is not None
            *_, deciders = item_terms(self, conn, target, standing)
            event = repair_core.decide(
                state,
                authority=authority,
                allowed=deciders,
                outcome=outcome,
                reason=reason,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
            )
            (done,) = self._append(conn, [event], actor)  # the reason is sealed
            self._access(
                conn, actor, "repair.decide", state.subject, {"repair": repair, "outcome": outcome}
            )
        return done.id

    def show(
        self, actor: Actor, repair: int, subject: str | None = None
    ) -> tuple[RepairState, date]:
        """The repair and the day its status is judged on (today).

        With ``subject``, someone else's repair is answered exactly like an unknown one.
        """
        with self.store.transaction() as conn:
            self._ready(conn)
            state, _ = self._repair(conn, repair)
            mine = subject is None or same_subject(  # by pseudonym: erased, named by ID
                self, conn, normalise_subject(subject)[0], state.subject
            )
            if not mine:
                raise NotFound(f"unknown repair {repair}", field="repair")
            self._access(conn, actor, "repair.read", state.subject, {"repair": repair})
        return state, self._today()

    def score_with_changes(
        self,
        actor: Actor,
        subject: str,
        scheme: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> ScoreWithChanges:
        """The score report and what changes when, read (and recorded) once.

        ``changes`` lists each future day on which a counted item ends, with the score
        and grade from then on; ``list_entries_end`` the days list entries in effect
        end; ``if_ended_today`` what a remedy or a granted repair would change now and
        from when a repair may be applied for.
        """
        answer: tuple[ScoreReport, dict[str, Any]] = self._recorded(
            self.score_with_changes_prepare(actor, subject, scheme, as_of, known_at)
        )
        return ScoreWithChanges.joined(*answer)

    def score_with_changes_prepare(
        self,
        actor: Actor,
        subject: str,
        scheme: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> Pending:
        """``score_with_changes`` from a read-only snapshot; the access record not written.

        As of today, the report and what changes when are kept in the store's standing
        cache under the same stamp as the standing (the subject's last ledger id and
        every published content hash) and the same day, so a subject reading their own
        score again costs two small queries.
        """
        sid, _ = normalise_subject(subject)
        day = as_of or (known_at.date() if known_at is not None else self._today())
        if known_at is not None and known_at > self.settings.clock():
            raise BadInput(f"--as-known-on {known_at.isoformat()} is in the future")
        detail: dict[str, Any] = {"scheme": scheme, "as_of": day.isoformat()}
        if known_at is not None:
            detail["known_at"] = known_at.isoformat()
        with self.store.read() as conn:
            self._ready(conn)
            kind = self._subject_kind_fast(conn, sid)
            now = known_at if known_at is not None else self._clock()
            key: tuple[Any, ...] = ("changes", sid, scheme, day, now.date())
            stamp: tuple[Any, ...] = ()
            if known_at is None:
                stamp = (self.store.subject_state(conn, sid)[1], self.store.documents_stamp(conn))
                hit = self.store.standing_cache.get(key)
                if hit is not None and hit[0] == stamp:
                    return Pending(hit[1], [self._access_row(actor, "score.read", sid, detail)])
            if scheme not in self._published(conn).schemes:
                self._versions(conn, scheme)  # names what is published
            entries = self._events(conn, sid)
            published = self._published(conn, known_at)
            standing = self._standing(conn, sid, day, known_at, None, kind)
            if scheme in standing.skipped:
                raise BadInput(
                    f"{standing.skipped[scheme]}; subject {sid} is a {kind}", field="scheme"
                )
            if scheme not in standing.reports:
                raise NotFound(f"scheme {scheme!r} was not published yet", field="scheme")
            body = changes_body(
                standing, entries, published, scheme, severities(self, conn, standing), now
            )
            answer = (standing.reports[scheme], body)
            if known_at is None:
                self.store.standing_cache[key] = (stamp, answer)
            row = self._access_row(actor, "score.read", sid, detail)
        return Pending(answer, [row])
