"""The public face of the exception tree.

The tree itself lives in ``core/errors.py`` so that the pure core can raise domain
errors without importing anything outside ``core``; adapters import it from here.
"""

from socialcredit.core.errors import (
    BadInput,
    Conflict,
    IntegrityError,
    InvalidId,
    NotAllowed,
    NotFound,
    RulebookInvalid,
    SocialCreditError,
    StoreIntegrity,
    TooLarge,
    Unauthenticated,
)

__all__ = [
    "BadInput",
    "Conflict",
    "IntegrityError",
    "InvalidId",
    "NotAllowed",
    "NotFound",
    "RulebookInvalid",
    "SocialCreditError",
    "StoreIntegrity",
    "TooLarge",
    "Unauthenticated",
]
