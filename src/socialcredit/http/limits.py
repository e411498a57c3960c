"""Rate limits in process memory: a moving window per budget, key and limit.

Two budgets: one per authenticated principal (however many tokens it holds), and one per
client address for requests without a valid token. Over budget, the answer is 429 with
Retry-After, as problem+json on the API and as a page elsewhere (``guards.RateLimit``).
The storage is in memory, so each service process counts on its own: a deployment with
several processes divides the budget among them (see docs/api.md).

The limits are written in the ``limits`` library's notation and parsed by it; the
counting is ours. Its in-memory moving window started a timer thread every 10 ms of
traffic to expire entries, copied each key's list of entries on every expiry and
inserted every hit at the front of that list: on the path of every request, it cost
more than a recorded check's decision (issue 16). Here each (budget, key, limit) keeps
the times of its last ``amount`` admitted hits in a bounded deque: a hit is admitted
when fewer than ``amount`` fell in the last window -- the same moving window, O(1) per
hit, with no thread.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from limits import RateLimitItem, parse_many

from socialcredit.settings import Settings

PRUNE_EVERY = 10_000  # hits between sweeps of keys whose windows are all empty


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._items = {
            "principal": _parse(settings.rate_principal),
            "anonymous": _parse(settings.rate_anonymous),
        }
        self._hits: dict[tuple[str, str, int], deque[float]] = {}
        self._lock = threading.Lock()
        self._since_prune = 0
        self._longest = max(
            (i.get_expiry() for items in self._items.values() for i in items), default=0
        )

    def hit(self, budget: str, key: str) -> int | None:
        """Count one request; None if within every window, else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            self._since_prune += 1
            if self._since_prune >= PRUNE_EVERY:
                self._prune(now)
            for n, item in enumerate(self._items[budget]):
                window = item.get_expiry()
                times = self._hits.get((budget, key, n))
                if times is None:
                    times = self._hits[(budget, key, n)] = deque(maxlen=item.amount)
                if not times and item.amount <= 0:  # "0/minute": nothing is admitted
                    return max(1, math.ceil(window))
                if len(times) >= item.amount and times[0] > now - window:
                    # Full: the oldest admitted hit of the window leaves it first.
                    return max(1, math.ceil(times[0] + window - now))
                times.append(now)
        return None

    def _prune(self, now: float) -> None:
        """Forget keys with no hit in the longest window (addresses come and go)."""
        self._since_prune = 0
        stale = [k for k, times in self._hits.items() if times[-1] <= now - self._longest]
        for k in stale:
            del self._hits[k]


def _parse(text: str) -> list[RateLimitItem]:
    return parse_many(text) if text.strip() else []
