"""The child of the crash test: ingests through the application and acknowledges each item.

It prints READY once set up, then ``ACK <key>`` after each call returns. With CRASH_AT it
kills itself at a named point: inside the append transaction (rows written, no commit),
after the commit but before the acknowledgement, or in the middle of a Merkle update.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sys
from datetime import UTC, date, datetime

from socialcredit.application import Actor, Application
from socialcredit.core.errors import SocialCreditError
from socialcredit.settings import Settings
from socialcredit.store.sql import Store
from socialcredit.transparency import merkle

OP = Actor.operator()  # not from tests.conftest: importing it would set a fresh XDG_CONFIG_HOME

P = "11010519491231002X"
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    url, run, crash_at = sys.argv[1], int(sys.argv[2]), os.environ.get("CRASH_AT", "")
    rng = random.Random(run)
    fuse = rng.randint(1, 12)  # die at the fuse-th passage of the named point
    passes = {"n": 0}

    def tick() -> None:
        passes["n"] += 1
        if passes["n"] >= fuse:
            die()

    if crash_at == "in-transaction":
        original = Store.append

        def append(self, conn, new):  # type: ignore[no-untyped-def]
            done = original(self, conn, new)
            tick()  # rows inserted, transaction not committed
            return done

        Store.append = append  # type: ignore[method-assign]
    if crash_at == "merkle":
        original_append = merkle.MerkleLog.append

        def leaf(self, h):  # type: ignore[no-untyped-def]
            original_append(self, h)
            if len(self.levels[0]) % 7 == 0:
                tick()

        merkle.MerkleLog.append = leaf  # type: ignore[method-assign]
    app = Application(Settings(db_url=url, clock=lambda: NOW))
    print("READY", flush=True)
    for i in range(10_000):
        key = f"r{run}-{i}"
        kind = rng.random()
        if kind < 0.15:
            app.lists.check(Actor("airline-demo", "verifier", key), P, "flight")  # a read
        elif kind < 0.2:
            with contextlib.suppress(SocialCreditError):  # refused: must leave no record
                app.lists.check(Actor("bike-demo", "verifier", "refused-" + key), P, "flight")
            continue
        elif kind < 0.8:
            app.records.record(
                OP,
                P,
                "rongcheng",
                "volunteer-service",
                authority="rongcheng-credit-office",
                evidence_ref=key,
                occurred=date(2024, 5, 1),
            )
        elif kind < 0.9:
            entry = app.lists.propose(
                OP,
                P,
                "transport-misconduct",
                authority="rail-police",
                evidence_ref=key,
                occurred=date(2024, 5, 1),
                fields={"incident": "x", "place": "y", "decision_number": key},
            ).event
            app.lists.transition(
                OP,
                entry,
                "notify",
                authority="rail-police",
                evidence_ref=key + "n",
                occurred=date(2024, 5, 2),
            )
            app.lists.transition(
                OP,
                entry,
                "remedy",
                authority="rail-police",
                evidence_ref=key + "r",
                occurred=date(2024, 5, 3),
            )
        else:
            app.log.sign_head()
            continue  # a head writes only its access batch: nothing to acknowledge
        if crash_at == "after-commit":
            tick()  # committed, not yet acknowledged
        print(f"ACK {key}", flush=True)


if __name__ == "__main__":
    main()
