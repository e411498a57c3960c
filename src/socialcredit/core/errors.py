"""One exception tree for the whole system.

Every error carries a stable machine code, the HTTP status an API edge should use and
the exit code the CLI should use, so each edge translates errors in exactly one place
and a caller never has to parse a message to know what went wrong.
"""

from __future__ import annotations


class SocialCreditError(Exception):
    """Base of every error this package raises on purpose."""

    code = "error"
    http_status = 500
    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str]:
        out = {"code": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


class BadInput(SocialCreditError):
    """The caller asked for something malformed or impossible; nothing was written."""

    code = "bad-input"
    http_status = 422
    exit_code = 2


class InvalidId(BadInput):
    code = "invalid-id"


class NotFound(BadInput):
    """Unknown subject, scheme, rule, authority, event. Exit 2 on the CLI, 404 over HTTP."""

    code = "not-found"
    http_status = 404


class NotAllowed(BadInput):
    """An authority outside its remit, a verifier outside its services, a read with no purpose."""

    code = "not-allowed"
    http_status = 403


class Unauthenticated(BadInput):
    """No valid credentials: the HTTP edge answers 401."""

    code = "unauthenticated"
    http_status = 401


class TooLarge(BadInput):
    code = "too-large"
    http_status = 413


class Conflict(BadInput):
    """The request contradicts what is already recorded (e.g. reversing twice)."""

    code = "conflict"
    http_status = 409


class RulebookInvalid(BadInput):
    """A rulebook file cannot be parsed or breaks a policy; carries every finding."""

    code = "rulebook-invalid"

    def __init__(self, message: str, findings: list[object] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class IntegrityError(SocialCreditError):
    """The stored ledger does not verify: someone changed history."""

    code = "integrity"
    http_status = 500
    exit_code = 1


class StoreIntegrity(IntegrityError):
    """A row loaded for an answer fails its own chain hash or idempotency key.

    Raised by every read of a subject's entries, so no score, check or view is ever
    computed from an altered row. It is a server-side fault (HTTP 500, problem code
    ``store-integrity``), not a passing one: retrying cannot help until an operator
    restores the store, so it is not a 503.
    """

    code = "store-integrity"
    http_status = 500
    exit_code = 1
