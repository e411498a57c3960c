"""The child of the issue-16 crash tests: group-committed checks, or a bulk import.

``group``: threads check and record concurrently, printing ``ACK <key>`` once each call
returned (a check's key is its purpose, a record's its evidence reference). ``import``:
imports a CSV file chunk by chunk, printing ``ACK import`` once the import returned.
CRASH_AT names a point to die at: inside the group commit's transaction (rows written,
not committed), after its commit but before anyone is answered, or inside an import
chunk's transaction; empty means the parent kills at a random moment.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

from socialcredit.application import Actor, Application, group_commit
from socialcredit.settings import Settings
from socialcredit.store.sql import Store

OP = Actor.operator()  # not from tests.conftest: importing it would set a fresh XDG_CONFIG_HOME

NOW = datetime(2024, 6, 1, tzinfo=UTC)
HEADER = ["subject", "rule", "occurred", "scheme", "authority", "evidence"]


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    mode, url, run = sys.argv[1], sys.argv[2], int(sys.argv[3])
    crash_at = os.environ.get("CRASH_AT", "")
    rng = random.Random(run)
    fuse = rng.randint(1, 6)
    passes = {"n": 0}
    guard = threading.Lock()

    def tick() -> None:
        with guard:
            passes["n"] += 1
            if passes["n"] >= fuse:
                die()

    if crash_at == "in-group-commit":
        original_write = group_commit.write_access

        def write(store, conn, rows):  # type: ignore[no-untyped-def]
            original_write(store, conn, rows)
            if len(rows) > 1:
                tick()  # a batch written, not committed

        group_commit.write_access = write  # type: ignore[assignment]
    if crash_at == "after-group-commit":
        from concurrent.futures import Future

        original_settle = Future.set_result

        def settle(self, result):  # type: ignore[no-untyped-def]
            tick()  # the batch is durable, this caller not answered yet
            original_settle(self, result)

        Future.set_result = settle  # type: ignore[method-assign]
    if crash_at == "in-import":
        original_append = Store.append_encoded

        def append(self, conn, new):  # type: ignore[no-untyped-def]
            done = original_append(self, conn, new)
            tick()  # a chunk inserted, not committed
            return done

        Store.append_encoded = append  # type: ignore[method-assign]
    app = Application(Settings(db_url=url, clock=lambda: NOW))
    print("READY", flush=True)
    if mode == "import":
        path = Path(sys.argv[4])
        with path.open(newline="") as fh:
            body = list(csv.reader(fh))[1:]

        def chunks():  # type: ignore[no-untyped-def]
            for i in range(0, len(body), 100):
                part = body[i : i + 100]
                yield i + 2, {n: [r[k] for r in part] for k, n in enumerate(HEADER)}

        app.imports.events(OP, chunks(), workers=2)
        print("ACK import", flush=True)
        return
    people = sys.argv[4].split(",")

    def worker(k: int) -> None:
        for i in range(100_000):
            key = f"g{run}-{k}-{i}"
            subject = people[(k + i) % len(people)]
            if i % 4 == 3:
                app.records.record(
                    OP,
                    subject,
                    "rongcheng",
                    "volunteer-service",
                    authority="rongcheng-credit-office",
                    evidence_ref=key,
                    occurred=date(2024, 5, 1),
                )
            else:
                app.lists.check(Actor("airline-demo", "verifier", key), subject, "flight")
            with guard:  # one whole line at a time from six threads
                sys.stdout.write(f"ACK {key}\n")
                sys.stdout.flush()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
