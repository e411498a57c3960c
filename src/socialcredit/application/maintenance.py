"""Maintenance that runs itself: the daily tick inside a running service.

No answer depends on ``tick`` (the standing derives lapses and expiries from the
dates), but the ledger should say what time has decided -- lapsed disputes written
down with their notices, erasures after retention -- without an operator remembering
to run a command. ``serve`` therefore runs today's tick when it starts and then every
24 hours, and logs what it did.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from socialcredit.application.base import Actor, TickResult
from socialcredit.core.errors import SocialCreditError
from socialcredit.settings import Settings

log = logging.getLogger("socialcredit.maintenance")

DAY_SECONDS = 24 * 60 * 60.0


def run_tick(settings: Settings) -> TickResult:
    """Today's tick (today by the settings' clock), as the system, with its own store."""
    from socialcredit.application import Application

    application = Application(settings)
    try:
        return application.upkeep.tick(
            Actor.system("daily maintenance"), application.settings.clock().date()
        )
    finally:
        application.store.close()


def start(
    settings: Settings,
    every: float = DAY_SECONDS,
    report: Callable[[str], None] | None = None,
) -> threading.Event:
    """Run the tick now (before returning) and then every ``every`` seconds.

    Returns the event that stops the background thread. A failed run is logged and
    retried at the next interval; it never stops the service.
    """
    stop = threading.Event()

    def once() -> None:
        try:
            r = run_tick(settings)
        except SocialCreditError as exc:
            message = f"maintenance: tick failed: {exc.message}"
            log.error(message)
        else:
            message = f"maintenance: {r.lapsed} lapsed dispute(s) written, {r.erased} erasure(s)"
            if r.shredded is False:
                # A deleted key may still have a copy in a file: say so loudly.
                message += f"; WARNING: {r.shred_detail}"
                log.warning(message)
            else:
                log.info(message)
        if report is not None:
            report(message)

    def loop() -> None:
        while not stop.wait(every):
            once()

    once()
    threading.Thread(target=loop, name="socialcredit-maintenance", daemon=True).start()
    return stop
