"""What the HTTP service needs beyond the CLI: tokens and desk views."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from socialcredit.application import chaining
from socialcredit.application.base import (
    ROLES,
    Base,
    normalise_subject,
)
from socialcredit.core import disputes as disputes_core
from socialcredit.core.errors import BadInput, NotFound
from socialcredit.core.ledger import (
    REVERSAL,
    SCORE,
    Event,
    check_text,
)
from socialcredit.core.standing import derive
from socialcredit.store import schema

DEFAULT_TOKEN_TTL = timedelta(days=90)
TOKEN_ID_LEN = 12  # the public name of a token: the start of its hash, never the secret
# Entries that void an item from the start: a correction, a dispute's decision or lapse.
_VOIDING = (REVERSAL, disputes_core.DECIDED, disputes_core.LAPSED)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _state(row: Any, now: datetime) -> str:
    if row.revoked:
        return "revoked"
    if row.expires:
        ends = datetime.fromisoformat(row.expires)
        if ends.tzinfo is None or now.tzinfo is None:
            ends, now = ends.replace(tzinfo=None), now.replace(tzinfo=None)
        if ends <= now:
            return "expired"
    return "active"


class Service(Base):
    def issue_token(
        self,
        role: str,
        principal: str,
        *,
        ttl: timedelta | None = DEFAULT_TOKEN_TTL,
        label: str = "",
    ) -> str:
        """A new bearer token, shown once; only its SHA-256 is stored.

        Every token ends: ``ttl`` after issue (90 days unless said otherwise; a web
        session's token lives minutes), or earlier by ``revoke_token``.
        """
        if role not in ROLES:
            raise BadInput(f"role must be one of {', '.join(ROLES)}, got {role!r}", field="role")
        if ttl is None or ttl <= timedelta(0):
            raise BadInput("a token's lifetime must be positive", field="expires")
        if len(label) > 200:
            raise BadInput("a token label is at most 200 characters", field="label")
        with self.store.transaction() as conn:
            self._ready(conn)
            self.store.upgrade_tokens(conn)
            if role == "subject":
                principal = normalise_subject(principal)[0]
                self._subject_kind(conn, principal)
                # stored and chained under the pseudonym (no ID in the token table)
                principal = self.store.pseudonym(conn, principal)
            elif role in ("registrar", "reviewer"):
                kind = self.store.authority_kind(conn, principal)
                if kind is None:
                    raise NotFound(f"unknown authority {principal!r}", field="principal")
                if (role == "reviewer") != (kind == "review-board"):
                    raise BadInput(f"{principal!r} cannot act as a {role}", field="principal")
            elif role == "verifier" and principal not in self._registry(conn).verifiers:
                raise NotFound(f"unknown verifier {principal!r}", field="principal")
            elif not check_text(principal, "principal"):
                raise BadInput("a principal is required", field="principal")
            token = secrets.token_urlsafe(32)
            now = self.settings.clock()
            row = {
                "token_hash": _digest(token),
                "principal": principal,
                "role": role,
                "created": now.isoformat(timespec="seconds"),
                "expires": (now + ttl).isoformat(timespec="seconds"),
                "label": label,
            }
            self.store.insert_token(conn, row)
            chaining.token_issued(self, conn, row)
        return token

    def authenticate(self, token: str) -> tuple[str, str] | None:
        """The principal and role of a live token: known, not expired, not revoked.

        Read from the store on every call (a primary-key lookup): a revocation, an expiry
        or a deleted row takes effect on the next request of a running service. Once the
        token table is known to be current, the look-up is a read-only snapshot: it runs
        before every authenticated request, and must not queue behind a writer's fsync
        (the group committer's) for the write lock it does not need.
        """
        if not token or len(token) > 200:
            return None
        if self.store.tokens_upgraded:
            # One statement outside any transaction: run before every authenticated
            # request, it must not queue behind the group committer's fsync.
            row: Any = self.store.find_token_now(_digest(token))
            if row is None or _state(row, self.settings.clock()) != "active":
                return None
            principal = str(row.principal)
            if row.role == "subject":  # its ID while its key row maps it, else the pseudonym
                with self.store.read() as conn:
                    principal = self.store.subject_shown(conn, principal)
            return (principal, str(row.role))
        with self.store.transaction() as conn:
            self.store.upgrade_tokens(conn)
            row = self.store.find_token(conn, _digest(token))
            if row is None or _state(row, self.settings.clock()) != "active":
                return None
            principal = str(row.principal)
            if row.role == "subject":  # its ID while its key row maps it, else the pseudonym
                principal = self.store.subject_shown(conn, principal)
        return (principal, str(row.role))

    def revoke_token(
        self,
        *,
        token_id: str | None = None,
        principal: str | None = None,
        token: str | None = None,
        reason: str = "revoked",
    ) -> list[str]:
        """End tokens now: one by its listed id (or a unique prefix of at least 8
        characters), one by its secret (signing out), or every live token of a principal.

        Returns the ids revoked; an unknown id is NotFound, a token already revoked is
        left as it was. The one path by which any token is revoked.
        """
        chosen = [x for x in (token_id, principal, token) if x is not None]
        if len(chosen) != 1:
            raise BadInput("name exactly one of a token id, a principal or a token", field="token")
        with self.store.transaction() as conn:
            self._ready(conn)
            self.store.upgrade_tokens(conn)
            now = self.settings.clock()
            if token is not None:
                rows = [r for r in [self.store.find_token(conn, _digest(token))] if r is not None]
            elif principal is not None:
                rows = self.store.tokens(conn, principal=principal)
            else:
                ident = (token_id or "").strip().lower()
                if len(ident) < 8 or not all(c in "0123456789abcdef" for c in ident):
                    raise BadInput(
                        f"{token_id!r} is not a token id (8-64 hex characters, from `token list`)",
                        field="token",
                    )
                rows = self.store.tokens(conn, id_prefix=ident)
                if not rows:
                    raise NotFound(f"unknown token {ident}", field="token")
                if len(rows) > 1:
                    raise BadInput(f"token id {ident} is ambiguous: give more of it", field="token")
            live = [r for r in rows if not r.revoked]  # expired ones too: clocks differ
            self.store.revoke_tokens(
                conn, [r.token_hash for r in live], now.isoformat(timespec="seconds"), reason
            )
            for r in live:  # each revocation is an entry of the chain (issue 11)
                chaining.token_revoked(self, conn, r.token_hash, reason)
        return [str(r.token_hash)[:TOKEN_ID_LEN] for r in live]

    def list_tokens(self, principal: str | None = None) -> list[dict[str, Any]]:
        """Tokens as an operator may see them: id, principal, role, dates, state; never
        the secret (which is not stored) nor the full hash."""
        with self.store.transaction() as conn:
            self._ready(conn)
            self.store.upgrade_tokens(conn)
            rows = self.store.tokens(conn, principal=principal)
            shown = {
                r.principal: self.store.subject_shown(conn, r.principal)
                for r in rows
                if r.role == "subject"
            }
        now = self.settings.clock()
        return [
            {
                "id": str(r.token_hash)[:TOKEN_ID_LEN],
                "principal": shown.get(r.principal, r.principal),
                "role": r.role,
                "label": r.label or "",
                "created": r.created,
                "expires": r.expires,
                "revoked": r.revoked,
                "state": _state(r, now),
            }
            for r in rows
        ]

    def recorded_by(self, authority: str, limit: int = 200) -> list[Event]:
        """What one authority recorded, newest first (the registrar's own desk view)."""
        with self.store.transaction() as conn:
            self._ready(conn)
            events = self._opened(conn, self.store.events_by_authority(conn, authority, limit))
            self._access(conn, "desk.read", None, {"authority": authority, "count": len(events)})
            shown: dict[str, list[int]] = {}
            for e in events:
                shown.setdefault(e.subject, []).append(e.id)
            chaining.access_each(
                self, conn, "desk.read", {s: {"events": ids} for s, ids in shown.items()}
            )
        return events

    def access_records(self, subject: str) -> list[dict[str, Any]]:
        """Who looked at a subject's data: no personal payload, for auditors and the subject."""
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            self._subject_kind(conn, sid)
            rows = self.store.access_for(conn, sid)
            self._access(conn, "access-records.read", sid)
        return [{k: r[k] for k in ("id", "at", "actor", "role", "action", "purpose")} for r in rows]

    def subject_exists(self, subject: str) -> bool:
        sid, _ = normalise_subject(subject)
        with self.store.read() as conn:  # no write lock: asked before every own-record read
            self._ready(conn)
            return self.store.get_subject(conn, sid) is not None

    def pseudonym(self, sid: str) -> str:
        """The subject's pseudonym (store/pseudonyms.py): how an erased subject's token
        names it."""
        with self.store.read() as conn:
            self._ready(conn)
            return self.store.pseudonym(conn, sid)

    def score_history(self, subject: str, scheme: str, limit: int = 120) -> list[ScorePoint]:
        """How a subject's score moved: the score on each day an event began or ended to
        count, and today, as the record stands now (corrections and upheld disputes
        applied), naming the events that moved it. At most ``limit`` latest points.
        """
        sid, _ = normalise_subject(subject)
        today = self._today()
        now = self.settings.clock()
        with self.store.transaction() as conn:
            self._ready(conn)
            kind = self._subject_kind(conn, sid)
            self._versions(conn, scheme)
            entries = self._events(conn, sid)
            published = self._published(conn, None)
            days: dict[date, list[int]] = {}
            for e in entries:
                if e.scheme == scheme and e.type == SCORE:
                    if e.occurred <= today:
                        days.setdefault(e.occurred, []).append(e.id)
                    if e.ends is not None and e.ends <= today:
                        days.setdefault(e.ends, [])
            days.setdefault(today, [])
            points = []
            for day in sorted(days)[-limit:]:
                # The same derivation as every other answer, on each day in turn.
                standing = derive(sid, kind, entries, published, day, now, [scheme])
                r = standing.reports.get(scheme)
                if r is None:
                    raise NotFound(f"scheme {scheme!r} does not score {sid}", field="scheme")
                points.append(ScorePoint(day, r.score, r.grade, tuple(days[day])))
            self._access(conn, "score-history.read", sid, {"scheme": scheme})
        return points

    # -- public figures, materialised --------------------------------------------------
    def public_grades(self, scheme: str | None = None) -> list[PublicGrades]:
        """Grade distributions today (one scheme, or every published one), computed once
        per (scheme, day, publication state).

        Anonymous readers ask for these constantly and each costs a pass over every
        subject, so they are materialised: the first request of a day, or after a
        publication, computes them (one at a time, through ``grade_distribution``, which
        records the aggregate read); every other request costs one small read of what is
        published. An event recorded today shows in tomorrow's figures.
        """
        day = self._today().isoformat()
        with self.store.transaction() as conn:
            self._ready(conn)
            mark = self.store.publication_mark(conn)
            schemes = self.store.schemes(conn)
        if scheme is not None:
            if scheme not in schemes:
                raise NotFound(
                    f"unknown scheme {scheme!r} (published: {', '.join(schemes)})", field="scheme"
                )
            schemes = [scheme]
        return [self._figures(s, day, mark) for s in schemes]

    def _voided_since(self, figures: PublicGrades) -> bool:
        """Whether an entry that voids an item was recorded after ``figures`` were computed.

        A voided item never counted (SYSTEM.md §6: "in every view"), so figures computed
        earlier today are recomputed; new events and early endings wait for tomorrow's.
        Two small reads: the ledger's last id, and the entries after the figures' own.
        """
        with self.store.read() as conn:
            tip, _ = self.store.tip(conn)
            if tip == figures.tip:
                return False
            hit = conn.execute(
                select(schema.events.c.id)
                .where(schema.events.c.id > figures.tip, schema.events.c.type.in_(_VOIDING))
                .limit(1)
            ).first()
        if hit is None:
            figures.tip = tip  # nothing voided in between: only look past here next time
        return hit is not None

    def _figures(self, scheme: str, day: str, mark: str) -> PublicGrades:
        key = (scheme, day, mark)
        cache = self.store.grades_cache
        found: PublicGrades | None = cache.get(key)
        if found is not None and not self._voided_since(found):
            return found
        with self.store.grades_lock:
            again: PublicGrades | None = cache.get(key)  # computed meanwhile by another request
            if again is not None and again is not found and not self._voided_since(again):
                return again
            with self.store.read() as conn:
                tip, _ = self.store.tip(conn)
            # The combined Application computes the distribution (Records); this wraps it.
            whole: Any = self
            dist = whole.grade_distribution(scheme)
            order = tuple(g.grade for g in whole.rulebook(scheme)[-1].grades)
            grades = {g: dist.get(g, 0) for g in order}
            grades.update({g: n for g, n in dist.items() if g not in grades})
            figures = PublicGrades(scheme, day, grades, order, tip=tip)
            for stale in [k for k in cache if k[1] != day or k[2] != mark]:
                del cache[stale]
            cache[key] = figures
        return figures


@dataclass(frozen=True)
class ScorePoint:
    day: date
    score: int
    grade: str
    events: tuple[int, ...]  # the events that began to count that day


@dataclass
class PublicGrades:
    """One scheme's public grade figures for a day, and its chart once drawn."""

    scheme: str
    as_of: str
    grades: dict[str, int]
    order: tuple[str, ...]
    tip: int = 0  # the ledger's last id when computed (``Service._voided_since``)
    _svg: bytes | None = field(default=None, repr=False)

    def chart_svg(self) -> bytes:
        """The bar chart, drawn on first use and kept with the figures it shows."""
        if self._svg is None:
            from socialcredit.charts import bar_chart

            self._svg = bar_chart(self.grades, self.order, f"{self.scheme} grades")
        return self._svg
