"""What the HTTP service needs beyond the CLI: tokens and desk views."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from socialcredit.application import chaining
from socialcredit.application.base import (
    ROLES,
    Base,
    normalise_subject,
)
from socialcredit.core.errors import BadInput, NotFound
from socialcredit.core.ledger import (
    Event,
    check_text,
)


class Service(Base):
    def issue_token(self, role: str, principal: str) -> str:
        """A new bearer token, shown once; only its SHA-256 is stored."""
        if role not in ROLES:
            raise BadInput(f"role must be one of {', '.join(ROLES)}, got {role!r}", field="role")
        with self.store.transaction() as conn:
            self._ready(conn)
            if role == "subject":
                principal = normalise_subject(principal)[0]
                self._subject_kind(conn, principal)
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
            row = {
                "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                "principal": principal,
                "role": role,
                "created": self._now(),
            }
            self.store.insert_token(conn, row)
            chaining.token_issued(self, conn, row)
        return token

    def authenticate(self, token: str) -> tuple[str, str] | None:
        """The principal and role of a token; known tokens are remembered by their hash."""
        if not token or len(token) > 200:
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        known = self.store.token_cache.get(digest)
        if known is not None:
            return known
        with self.store.read() as conn:  # a read: never queue behind the writer
            row = self.store.find_token(conn, digest)
        if row is None:
            return None
        found = (str(row.principal), str(row.role))
        self.store.token_cache[digest] = found
        return found

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
