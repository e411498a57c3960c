"""API tokens: issued (shown once, stored hashed), authenticated, listed, revoked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from socialcredit.application import chaining
from socialcredit.application.base import (
    ROLES,
    Actor,
    Part,
    normalise_subject,
)
from socialcredit.core.errors import BadInput, NotFound
from socialcredit.core.ledger import check_text
from socialcredit.store.pseudonyms import is_pseudonym

DEFAULT_TOKEN_TTL = timedelta(days=90)
TOKEN_ID_LEN = 12  # the public name of a token: the start of its hash, never the secret


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


class Tokens(Part):
    """Bearer tokens of the HTTP service; issue and revocation are chained."""

    def issue(
        self,
        actor: Actor,
        role: str,
        principal: str,
        *,
        ttl: timedelta | None = DEFAULT_TOKEN_TTL,
        label: str = "",
    ) -> str:
        """A new bearer token, shown once; only its SHA-256 is stored.

        Every token ends: ``ttl`` after issue (90 days unless said otherwise; a web
        session's token lives minutes), or earlier by ``revoke``.
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
                # An erased subject is known by its pseudonym alone: signing in with its
                # token issues the session token for that principal (the counter page).
                if not is_pseudonym(principal):
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
            chaining.token_issued(self, conn, row, actor)
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
            # A subject: its ID while its key row maps it (as ``subject_shown``), read in
            # the same statement; once erased, its pseudonym.
            if row.role == "subject" and is_pseudonym(principal) and row.subject_id:
                principal = str(row.subject_id)
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

    def revoke(
        self,
        actor: Actor,
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
                chaining.token_revoked(self, conn, r.token_hash, reason, actor)
        return [str(r.token_hash)[:TOKEN_ID_LEN] for r in live]

    def list(self, principal: str | None = None) -> list[dict[str, Any]]:
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
