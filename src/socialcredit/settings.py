"""One Settings object, built at the edge and passed in; the core never reads it."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

DEFAULT_DB = "sqlite:///socialcredit.db"


def utcnow() -> datetime:
    return datetime.now(UTC)


def normalise_db_url(value: str) -> str:
    """Accept a bare file path as well as a URL, because operators type paths."""
    if "://" in value:
        return value
    return f"sqlite:///{value}"


@dataclass(frozen=True)
class Settings:
    db_url: str = DEFAULT_DB
    actor: str = "operator"
    role: str = "operator"
    purpose: str = "operator console"
    clock: Callable[[], datetime] = field(default=utcnow, compare=False)
    # Rate limits in the `limits` notation ("N/second|minute|hour", ";"-separated for
    # several windows): per authenticated principal, and per client address for requests
    # without a token. Tests and benchmarks set their own.
    rate_principal: str = "1200/minute;60/second"
    rate_anonymous: str = "600/minute;30/second"
    # Set when a TLS-terminating proxy is in front: adds HSTS and Secure cookies even if
    # the request reached us as plain HTTP from the proxy.
    behind_tls: bool = False
    # A web sign-in trades the presented token for a session token that ends this soon.
    session_minutes: int = 60

    @classmethod
    def from_env(cls, db: str | None = None, purpose: str | None = None) -> Settings:
        url = db or os.environ.get("SOCIALCREDIT_DB") or DEFAULT_DB
        return cls(
            db_url=normalise_db_url(url),
            purpose="operator console" if purpose is None else purpose,
        )
