"""Who acts, and what every part of the application shares.

``Actor`` is passed with each call that writes or reads a subject's data; ``Context``
is the configuration and the one store that every part (``Part`` in ``base.py``) of the
composed ``Application`` works over.
"""

from __future__ import annotations

from dataclasses import dataclass

from socialcredit.settings import Settings
from socialcredit.store.sql import Store


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role, and for what stated purpose: passed per call.

    Every access record and every chain entry names ``principal`` and ``role``; a read
    of a subject's data with an empty ``purpose`` is refused unless the reader is the
    subject (role ``subject``) reading their own record. The CLI builds one from its
    options (``--purpose``), the HTTP service from the authenticated token.
    """

    principal: str
    role: str
    purpose: str = ""

    @classmethod
    def operator(cls, purpose: str = "operator console") -> Actor:
        """The operator at the console (the CLI's actor)."""
        return cls("operator", "operator", purpose)

    @classmethod
    def system(cls, purpose: str) -> Actor:
        """The system itself (the daily maintenance), acting with the operator's rights."""
        return cls("system:maintenance", "operator", purpose)


@dataclass(frozen=True)
class Context:
    """What every part shares: the configuration and the one store (pool and caches)."""

    settings: Settings
    store: Store
