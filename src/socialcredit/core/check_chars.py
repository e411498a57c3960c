"""Check characters of the identifier standards: the arithmetic, apart from validation.

GB 11643-1999 (resident ID, ISO 7064 MOD 11-2), GB 32100-2015 (credit code, weights 3^i
mod 31) and GB 11714-1997 (organisation code). Split from ``ids.py`` (which re-exports
all of it) so that the synthetic generators (``synthetic_ids.py``) can build valid IDs
without importing the validators, and no module passes about 400 lines.
"""

from __future__ import annotations

import operator

RESIDENT_CHECK = "10X98765432"
RESIDENT_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
ORG_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
DEFAULT_REGION = "371082"  # Rongcheng, Weihai, Shandong


def resident_check_char(first17: str) -> str:
    """GB 11643-1999 5.5: ISO 7064 MOD 11-2 over the 17 digits."""
    total = sum(map(operator.mul, map(int, first17), RESIDENT_WEIGHTS))
    return RESIDENT_CHECK[total % 11]


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015: ISO 7064 MOD 31-3 style weights 3^i mod 31 over the code alphabet."""
    total = sum(USCC_VALUES[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def organisation_check_char(body8: str) -> str:
    """GB 11714-1997: C9 = 11 - (sum of value * weight) mod 11; 10 is 'X', 11 is '0'."""
    c9 = 11 - sum(ORG_VALUES[c] * w for c, w in zip(body8, ORG_WEIGHTS, strict=True)) % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)
