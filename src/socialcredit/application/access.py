"""Subject access: the complete record of one subject, and who looked at it."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from socialcredit import sealing
from socialcredit.application.base import Actor, Part, normalise_subject
from socialcredit.application.case_views import DisputeView
from socialcredit.application.group_commit import Pending
from socialcredit.application.notices import NOTICE, notice_json
from socialcredit.application.own import subject_named
from socialcredit.application.record_views import (
    AccessRecordDetailed,
    DecisionGiven,
    NoticeView,
    SubjectRecord,
    VoidedView,
)
from socialcredit.application.repairs import changes_body, severities
from socialcredit.application.views import RecordEntry, RecordEvent, ScoreWithChanges
from socialcredit.core.errors import BadInput, NotFound
from socialcredit.core.ledger import SCORE
from socialcredit.core.periods import Duration, add_duration
from socialcredit.core.rulebook import version_for
from socialcredit.core.standing import Standing, as_utc


class Access(Part):
    """What a subject (or an auditor) may see of a record, each look recorded."""

    def export(
        self,
        actor: Actor,
        subject: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
        export: str = "json",
    ) -> SubjectRecord:
        """The complete record of one subject in one response, and the read is recorded.

        It is recorded as an export (``access.export`` with its ``format``): what is
        handed out -- a JSON body, an HTML file -- leaves the store's control, and a
        later erasure cannot reach it.

        Entries past their retention period are no longer shown (they are counted), and
        an erased subject's personal fields read "[erased]". ``known_at`` replays the
        record as the system knew it then. Returned once its access record is durable.
        """
        record: SubjectRecord = self._recorded(
            self.export_prepare(actor, subject, as_of, known_at, export)
        )
        return record

    def export_prepare(
        self,
        actor: Actor,
        subject: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
        export: str = "json",
    ) -> Pending:
        """``export`` computed from a read-only snapshot, its access record not yet written."""
        sid = subject_named(actor, subject)  # an erased subject's own pseudonym too
        # A replay is asked as of its own day unless told otherwise.
        day = as_of or (as_utc(known_at).date() if known_at is not None else self._today())
        if known_at is not None and as_utc(known_at) > self.settings.clock():
            raise BadInput(
                f"--as-known-on {known_at.isoformat()} is in the future", field="known_at"
            )
        # A read-only snapshot (the standing cached per subject and day); the access
        # record goes through the group committer and the answer waits for its commit.
        with self.store.read() as conn:
            self._ready(conn)
            found = self.store.subject_view(conn, sid)
            if found is None:
                raise NotFound(f"subject {sid} is not registered", field="subject")
            kind, sealed_name, key, state = found
            docs = self.store.documents_stamp(conn)
            view = self._standing(conn, sid, day, known_at, kind=kind, docs=docs, state=state)
            registry = self._registry(conn, docs)
            hidden = 0
            shown = []
            retired = self._retired(conn, view, day)
            for e in view.entries:
                if e.id in retired:
                    hidden += 1
                    continue
                shown.append(e)
            entries = list(view.entries)
            published = self._published(conn, known_at, docs)
            severity = severities(self, conn, view)
            moment = known_at if known_at is not None else self._clock()
            ahead = {
                scheme: changes_body(view, entries, published, scheme, severity, moment)
                for scheme in view.reports
            }
            records = self.store.access_for(conn, sid)
            if known_at is not None:
                limit = as_utc(known_at)
                records = [r for r in records if as_utc(datetime.fromisoformat(r["at"])) <= limit]
            detail = {"as_of": day.isoformat(), "format": export}
            if known_at is not None:
                detail["known_at"] = known_at.isoformat()
            access_row = self._access_row(actor, "access.export", sid, detail)
        name = sealing.open_sealed(key, sid, sealed_name)
        # Each record's detail parsed once, for the decisions and the access records.
        details = [json.loads(r["detail"]) for r in records]
        out = SubjectRecord(
            subject=sid,
            kind=kind,
            name=name,
            as_of=day,
            known_at=known_at.isoformat() if known_at is not None else None,
            events=[RecordEvent.shown(e, view.disputed.get(e.id)) for e in shown],
            retired_events=hidden,
            voided=[
                VoidedView(
                    item=v.item,
                    kind=v.item_kind,
                    cause=v.cause,
                    by=v.by,
                    since=v.since,
                    reason=v.reason,
                )
                for v in sorted(view.voided.values(), key=lambda v: v.item)
            ],
            list_entries=[
                RecordEntry.shown(
                    s,
                    day,
                    disputed=view.disputed.get(s.entry),
                    # the terms of the list's version it was proposed under
                    terms=d.on(s.proposed) if (d := registry.lists.get(s.list)) else None,
                )
                for s in sorted(view.lists.values(), key=lambda x: x.entry)
            ],
            reports=[ScoreWithChanges.joined(r, ahead[r.scheme]) for r in view.reports.values()],
            decisions=[
                DecisionGiven(
                    **{"at": r["at"], "verifier": r["actor"], "purpose": r["purpose"]} | detail
                )
                for r, detail in zip(records, details, strict=True)
                if r["action"] == "decision"
            ],
            notices=[NoticeView(**notice_json(e)) for e in view.entries if e.type == NOTICE],
            disputes=[DisputeView.of(d, view.moment) for d in view.disputes.values()],
            access_records=[
                AccessRecordDetailed(
                    **{k: r[k] for k in ("id", "at", "actor", "role", "action", "purpose")},
                    detail=detail,
                )
                for r, detail in zip(records, details, strict=True)
            ],
        )
        return Pending(out, [access_row])

    def _retired(self, conn: Connection, view: Standing, day: date) -> set[int]:
        """Score events whose effect ended longer ago than their scheme's retention."""
        out = set()
        retentions: dict[str, Duration | None] = {}
        for e in view.entries:
            if e.type != SCORE or not e.scheme:
                continue
            if e.scheme not in retentions:
                retentions[e.scheme] = version_for(self._versions(conn, e.scheme), day).retention
            retention = retentions[e.scheme]
            end = view.voided[e.id].since if e.id in view.voided else e.ends
            if end is not None and retention is not None and add_duration(end, retention) <= day:
                out.add(e.id)
        return out

    def records(self, actor: Actor, subject: str) -> list[dict[str, Any]]:
        """Who looked at a subject's data: no personal payload, for auditors and the subject."""
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            self._subject_kind(conn, sid)
            rows = self.store.access_for(conn, sid)
            self._access(conn, actor, "access-records.read", sid)
        return [{k: r[k] for k in ("id", "at", "actor", "role", "action", "purpose")} for r in rows]
