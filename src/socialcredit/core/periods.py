"""Dates and ISO 8601 durations, without a clock.

Rule lifetimes are published as ISO 8601 durations (``P1Y``, ``P90D``). Adding one to a
date is defined here once -- months first with end-of-month clamping, then days -- so
that the Python core and the SQL engines (which clamp the same way) agree on the exact
day an effect ends.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from socialcredit.core.errors import BadInput

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_MAX_PART = 10_000


@dataclass(frozen=True, order=True)
class Duration:
    """A calendar duration: whole months plus whole days (weeks are folded into days)."""

    months: int = 0
    days: int = 0

    @property
    def is_zero(self) -> bool:
        return self.months == 0 and self.days == 0

    def iso(self) -> str:
        if self.is_zero:
            return "P0D"
        years, months = divmod(self.months, 12)
        out = "P"
        if years:
            out += f"{years}Y"
        if months:
            out += f"{months}M"
        if self.days:
            out += f"{self.days}D"
        return out

    def approx_days(self) -> int:
        """Upper-bound length in days, for policy limits such as "at most 5 years"."""
        return self.months * 31 + self.days


def never_longer(a: Duration, b: Duration) -> bool:
    """``a`` is never longer than ``b`` from any start date (a month is at least 28 days)."""
    if a.months > b.months:
        return False
    return a.days <= (b.months - a.months) * 28 + b.days


def parse_duration(text: str, *, field: str = "duration") -> Duration:
    """Parse the date part of ISO 8601 durations; time parts make no sense for rules."""
    if not isinstance(text, str):
        raise BadInput(f"{field}: expected an ISO 8601 duration string, got {text!r}", field=field)
    m = _DURATION.match(text.strip().upper())
    if not m or text.strip().upper() == "P":
        raise BadInput(
            f"{field}: {text!r} is not an ISO 8601 duration like P1Y, P6M, P2W or P90D",
            field=field,
        )
    years, months, weeks, days = (int(g) if g else 0 for g in m.groups())
    if max(years, months, weeks, days) > _MAX_PART:
        raise BadInput(f"{field}: {text!r} is out of range", field=field)
    return Duration(months=years * 12 + months, days=weeks * 7 + days)


def add_months(d: date, months: int) -> date:
    total = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(total, 12)
    if year < 1 or year > 9999:
        raise BadInput(f"date {d.isoformat()} plus {months} months is out of range")
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


def add_duration(d: date, dur: Duration) -> date:
    shifted = add_months(d, dur.months) if dur.months else d
    try:
        return shifted + timedelta(days=dur.days)
    except OverflowError as exc:
        raise BadInput(f"date {d.isoformat()} plus {dur.iso()} is out of range") from exc


def parse_date(value: object, *, field: str = "date") -> date:
    """Accept a ``date`` or an ISO ``YYYY-MM-DD`` string; anything else is bad input."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise BadInput(f"{field}: expected a date YYYY-MM-DD, got {value!r}", field=field)
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(
            f"{field}: {value!r} is not a valid date (expected YYYY-MM-DD)", field=field
        ) from None


def parse_moment(value: str, *, now: datetime, field: str = "known_at") -> datetime:
    """A knowledge time: an ISO date (the end of that day, UTC) or an ISO datetime.

    A naive datetime is taken as UTC. The answer "as known then" cannot be asked of a
    moment that has not happened yet, so a moment after ``now`` is bad input; a date
    that is today means "as known now".
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
            if day == now.astimezone(UTC).date():
                moment = min(moment, now.astimezone(UTC))
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        raise BadInput(
            f"{field}: {value!r} is not an ISO date or datetime (e.g. 2026-11-01 or "
            "2026-11-01T09:30:00Z)",
            field=field,
        ) from None
    if moment > now:
        raise BadInput(
            f"{field}: {value!r} is in the future (now is {now.isoformat(timespec='seconds')})",
            field=field,
        )
    return moment.astimezone(UTC)
