"""Use cases: load from the store, decide with the core, append, in ONE transaction.

This package is the only place that opens transactions, so every write and the access
record that says who made it commit or vanish together, and every read of a subject's
data leaves its access record in the same transaction that produced the answer.

``Application`` is composed of parts, one per noun (``app.records.record(...)``,
``app.lists.check(...)``, ``app.disputes.open(...)``...), each a small class over one
shared ``Context`` (the settings and the store with its pool and caches). Who acts is
an ``Actor`` (principal, role, purpose) passed with every call that writes or reads a
subject's data; the settings carry configuration only. See docs/architecture.md.
"""

from __future__ import annotations

from socialcredit.application.access import Access
from socialcredit.application.base import (
    ROLES,
    SUBJECT_KINDS,
    Actor,
    BulkResult,
    Context,
    InitResult,
    Recorded,
    TickResult,
    directory_rulebooks,
    leaf_for,
    normalise_subject,
    packaged_rulebooks,
)
from socialcredit.application.batch import Batch
from socialcredit.application.disputes import Disputes
from socialcredit.application.documents import Documents
from socialcredit.application.erasure import Erasure
from socialcredit.application.figures import Figures
from socialcredit.application.imports import Imports
from socialcredit.application.integrity import Integrity
from socialcredit.application.listing import Lists
from socialcredit.application.log import Log
from socialcredit.application.notices import Notices
from socialcredit.application.records import Records
from socialcredit.application.repairs import Repairs
from socialcredit.application.tokens import Tokens
from socialcredit.application.upkeep import Upkeep
from socialcredit.settings import Settings
from socialcredit.store.sql import Store


class Application:
    """The system's use cases for one store: a set of parts over one shared context."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings.db_url)
        ctx = Context(settings, self.store)
        self.ctx = ctx
        self.documents = Documents(ctx)
        self.records = Records(ctx)
        self.lists = Lists(ctx)
        self.disputes = Disputes(ctx)
        self.repairs = Repairs(ctx)
        self.access = Access(ctx)
        self.notices = Notices(ctx)
        self.erasure = Erasure(ctx)
        self.upkeep = Upkeep(ctx, self.erasure)
        self.batch = Batch(ctx)
        self.figures = Figures(ctx, self.batch)
        self.log = Log(ctx)
        self.tokens = Tokens(ctx)
        self.imports = Imports(ctx)
        self.integrity = Integrity(ctx)


__all__ = [
    "ROLES",
    "SUBJECT_KINDS",
    "Actor",
    "Application",
    "BulkResult",
    "Context",
    "InitResult",
    "Recorded",
    "TickResult",
    "directory_rulebooks",
    "leaf_for",
    "normalise_subject",
    "packaged_rulebooks",
]
