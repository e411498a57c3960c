"""Use cases: load from the store, decide with the core, append, in ONE transaction.

This package is the only place that opens transactions, so every write and the access
record that says who made it commit or vanish together, and every read of a subject's
data leaves its access record in the same transaction that produced the answer. The
use cases are grouped by noun in the modules of this package and combined here.
"""

from socialcredit.application.base import (
    ROLES,
    SUBJECT_KINDS,
    BulkResult,
    InitResult,
    Recorded,
    TickResult,
    directory_rulebooks,
    leaf_for,
    normalise_subject,
    packaged_rulebooks,
)
from socialcredit.application.due_process import DueProcess
from socialcredit.application.figures import Figures
from socialcredit.application.listing import Listing
from socialcredit.application.log import TransparencyLog
from socialcredit.application.notices import Notices
from socialcredit.application.records import Records
from socialcredit.application.repairs import Repairs
from socialcredit.application.service import Service


class Application(
    Records, Listing, DueProcess, Repairs, Notices, Figures, TransparencyLog, Service
):
    """The system's use cases for one store and one acting principal."""


__all__ = [
    "ROLES",
    "SUBJECT_KINDS",
    "Application",
    "BulkResult",
    "InitResult",
    "Recorded",
    "TickResult",
    "directory_rulebooks",
    "leaf_for",
    "normalise_subject",
    "packaged_rulebooks",
]
