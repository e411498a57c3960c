"""One Settings object, built at the edge and passed in; the core never reads it.

Configuration only: who acts is not configuration but an ``Actor`` passed with each
call (``socialcredit.application.Actor``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

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
    # The transparency log's signing key lives outside the store (DESIGN principle 6):
    # a key file (``log_key``, default from ``default_log_key``) or, with ``log_signer``
    # = "module:factory", a KMS / PKCS#11 signer the factory builds.
    log_key: str | None = None
    log_signer: str | None = None

    def log_key_path(self) -> Path:
        return Path(self.log_key) if self.log_key else default_log_key(self.db_url)

    @classmethod
    def from_env(cls, db: str | None = None) -> Settings:
        url = db or os.environ.get("SOCIALCREDIT_DB") or DEFAULT_DB
        return cls(
            db_url=normalise_db_url(url),
            log_key=os.environ.get("SOCIALCREDIT_LOG_KEY") or None,
            log_signer=os.environ.get("SOCIALCREDIT_LOG_SIGNER") or None,
        )


def default_log_key(db_url: str) -> Path:
    """Where the log key lives unless configured: never inside the database itself.

    Next to a SQLite file (``<file>.logkey``: a different file, so a copy of the database
    does not carry the key); for a server database, in the operator's configuration
    directory (``$XDG_CONFIG_HOME/socialcredit/<host>-<port>-<database>.logkey``).
    """
    if db_url.startswith("sqlite:///") and db_url != "sqlite:///:memory:":
        return Path(db_url.removeprefix("sqlite:///") + ".logkey")
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    parts = urlsplit(db_url)
    name = "-".join(
        x for x in (parts.hostname or "local", str(parts.port or ""), parts.path.strip("/")) if x
    )
    return base / "socialcredit" / f"{name or 'memory'}.logkey"
