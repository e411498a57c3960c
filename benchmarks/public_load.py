"""Anonymous figures under load: a verifier's check latency while 8 anonymous clients
request /stats, against the same checks on an idle service.

/stats used to compute every grade on every request (4.5 s on a 138,694-event store),
and 8 anonymous clients pushed a check from 36 ms to 6.7 s. The figures are now
materialised per (day, publication state); the goal is a loaded p99 within 2x of idle.

The server runs pinned to core 0 (`taskset -c 0`); the verifier client and the
anonymous load (a separate process, asyncio, 8 connections) to core 1, on 127.0.0.1.
Rate limits are raised for the run (`serve --rate-anonymous/--rate-principal`).

    .venv/bin/python benchmarks/public_load.py [--residents 20000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

from socialcredit.application import Actor, Application
from socialcredit.demo import city_events, make_city
from socialcredit.settings import Settings

OP = Actor.operator()

UNLIMITED = "100000000/minute"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def anonymous_load(url: str, seconds: float, clients: int, out: multiprocessing.Queue) -> None:
    async def go() -> tuple[int, int, list[float]]:
        lat: list[float] = []
        errors = 0
        stop = time.perf_counter() + seconds
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:

            async def worker() -> None:
                nonlocal errors
                while time.perf_counter() < stop:
                    t0 = time.perf_counter()
                    r = await client.get("/stats")
                    lat.append(time.perf_counter() - t0)
                    errors += r.status_code != 200

            await asyncio.gather(*(worker() for _ in range(clients)))
        return len(lat), errors, lat

    n, errors, lat = asyncio.run(go())
    lat.sort()
    out.put((n, errors, statistics.median(lat) * 1e3, lat[int(len(lat) * 0.99) - 1] * 1e3))


def checks(url: str, token: str, people: list[str], seconds: float) -> list[float]:
    lat: list[float] = []
    stop = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
        i = 0
        while time.perf_counter() < stop:
            body = {"subject": people[i % len(people)], "service": "flight", "purpose": "bench"}
            t0 = time.perf_counter()
            r = c.post("/v1/checks", json=body)
            lat.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text
            i += 1
    return sorted(lat)


def p(lat: list[float], q: float) -> float:
    return lat[max(0, int(len(lat) * q) - 1)] * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=20_000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=8)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sc-public-"))
    db = f"sqlite:///{folder / 'p.db'}"
    app = Application(Settings(db_url=db))
    app.documents.init(OP)
    city = make_city(args.residents, args.residents // 50, 7, date.today())
    app.records.add_subjects(OP, city.residents + city.organisations)
    t0 = time.perf_counter()
    recorded = app.records.record_many(OP, list(city_events(city)), chunk=5_000)
    print(f"store: {args.residents:,} residents, {recorded} in {time.perf_counter() - t0:.0f} s")
    people = [r[0] for r in city.residents[:5000]]
    verifier = app.tokens.issue(OP, "verifier", "airline-demo")
    port = free_port()
    cores = os.sched_getaffinity(0)
    pin = ["taskset", "-c", "0"] if len(cores) > 1 else []
    exe = str(Path(sys.executable).with_name("socialcredit"))
    server = subprocess.Popen(
        [
            *pin,
            exe,
            "--db",
            db,
            "serve",
            "--port",
            str(port),
            "--rate-anonymous",
            UNLIMITED,
            "--rate-principal",
            UNLIMITED,
        ],
        stderr=subprocess.DEVNULL,
    )
    if len(cores) > 1:
        os.sched_setaffinity(0, {1})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        t0 = time.perf_counter()
        assert httpx.get(f"{url}/stats", timeout=600).status_code == 200
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        assert httpx.get(f"{url}/stats", timeout=60).status_code == 200
        second = time.perf_counter() - t0
        print(
            f"/stats: first request (materialises) {first * 1e3:,.0f} ms, "
            f"next {second * 1e3:,.1f} ms"
        )
        checks(url, verifier, people, 2)  # warm up
        idle = checks(url, verifier, people, args.seconds)
        queue: multiprocessing.Queue = multiprocessing.Queue()
        load = multiprocessing.Process(
            target=anonymous_load, args=(url, args.seconds + 2, args.clients, queue)
        )
        load.start()
        time.sleep(1)
        loaded = checks(url, verifier, people, args.seconds)
        n, errors, s50, s99 = queue.get(timeout=args.seconds + 120)
        load.join()
        print(f"{'verifier checks':<34} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}")
        print(f"{'idle':<34} {len(idle):>6} {p(idle, 0.5):>8.2f} {p(idle, 0.99):>8.2f}")
        print(
            f"{f'with {args.clients} anonymous /stats clients':<34} {len(loaded):>6} "
            f"{p(loaded, 0.5):>8.2f} {p(loaded, 0.99):>8.2f}"
        )
        ratio = p(loaded, 0.99) / p(idle, 0.99)
        print(
            f"/stats under load: {n / (args.seconds + 2):,.0f} req/s, p50 {s50:.1f} ms, "
            f"p99 {s99:.1f} ms, {errors} errors"
        )
        print(f"loaded p99 / idle p99 = {ratio:.2f} (goal: <= 2)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
