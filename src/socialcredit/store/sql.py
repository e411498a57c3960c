"""``Store``: the one storage implementation, for SQLite files and PostgreSQL.

Its methods live in the modules of this package, one per noun (``engine`` for the
connection, transactions and locks; ``ledger``; ``subjects`` and their keys; ``shred``;
``documents``; ``access``; ``tokens``; ``heads``), and are joined here so that callers
see one object with one API. Names imported from here before the split still are.
"""

from __future__ import annotations

from socialcredit.store.access import AccessStore, Presealed
from socialcredit.store.documents import DocumentStore
from socialcredit.store.engine import SCORING_KINDS, StoreBase
from socialcredit.store.heads import HeadStore
from socialcredit.store.ledger import LedgerStore
from socialcredit.store.rows import Encoded, as_date
from socialcredit.store.shred import Shredded, ShredStore
from socialcredit.store.subjects import SubjectStore
from socialcredit.store.tokens import TokenStore

__all__ = ["SCORING_KINDS", "Encoded", "Presealed", "Shredded", "Store", "as_date"]


class Store(
    LedgerStore,
    SubjectStore,
    ShredStore,
    DocumentStore,
    AccessStore,
    TokenStore,
    HeadStore,
    StoreBase,
):
    """Storage for one database URL; every method but ``transaction`` takes a connection."""
