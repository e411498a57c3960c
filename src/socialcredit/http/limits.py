"""Rate limits with the maintained ``limits`` library, in process memory.

Two budgets: one per authenticated principal (however many tokens it holds), and one per
client address for requests without a valid token. Over budget, the answer is 429 with
Retry-After, as problem+json on the API and as a page elsewhere (``guards.RateLimit``).
The storage is in memory, so each service process counts on its own: a deployment with
several processes divides the budget among them (see docs/api.md).
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from socialcredit.settings import Settings


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._items = {
            "principal": _parse(settings.rate_principal),
            "anonymous": _parse(settings.rate_anonymous),
        }

    def hit(self, budget: str, key: str) -> int | None:
        """Count one request; None if within every window, else seconds to wait."""
        for item in self._items[budget]:
            if not self._limiter.hit(item, budget, key):
                reset = self._limiter.get_window_stats(item, budget, key).reset_time
                return max(1, math.ceil(reset - time.time()))
        return None


def _parse(text: str) -> list[RateLimitItem]:
    return parse_many(text) if text.strip() else []
