"""Mutation fuzzing of everything that parses outside input, for a bounded time per target.

Each target gets SOCIALCREDIT_FUZZ_SECONDS (20 in CI, 5 by default) of inputs: the
shipped rulebooks, lists and memoranda with bytes flipped, inserted, deleted and spliced;
random and mutated IDs; random dates and durations; random evidence uploads through the
live registrar desk. Only the declared clean errors may come out, no input may take over
1 s, and peak Python allocation per input stays far below 512 MB.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
import tracemalloc
from collections.abc import Callable
from importlib import resources

import pytest

from socialcredit.core.documents import parse_document
from socialcredit.core.errors import SocialCreditError
from socialcredit.core.ids import IdError, IdGenerator, normalize_subject_id
from socialcredit.core.periods import parse_date, parse_duration
from socialcredit.core.policy import lint
from socialcredit.core.rulebook import Rulebook
from tests.api.conftest import ME, Live

BUDGET = float(os.environ.get("SOCIALCREDIT_FUZZ_SECONDS", "5"))
MAX_SECONDS = 1.0
MAX_BYTES = 512 * 1024 * 1024
SEEDS = [
    e.read_text("utf-8")
    for e in resources.files("socialcredit").joinpath("rulebooks").iterdir()
    if e.name.endswith(".toml")
]
TOKENS = [
    "[[rules]]",
    "[[grades]]",
    "=",
    '"',
    "'''",
    "\n",
    "[",
    "]",
    "{",
    "}",
    ",",
    "-1",
    "99999999999999999999",
    "P9999Y",
    "1970-01-01",
    'kind = "list"',
    "\x00",
    "\u202e",
    "max = ",
    "min = ",
    "points = ",
    'lasts = "P"',
    'cap_grade = "Z"',
]


def mutate(text: str, rng: random.Random) -> str:
    s = list(text)
    for _ in range(rng.randint(1, 8)):
        op = rng.random()
        pos = rng.randrange(len(s) + 1)
        if op < 0.3 and s:
            del s[min(pos, len(s) - 1) : min(pos + rng.randint(1, 40), len(s))]
        elif op < 0.6:
            s[pos:pos] = list(rng.choice(TOKENS))
        elif op < 0.8 and s:
            s[min(pos, len(s) - 1)] = chr(rng.randrange(0, 0x250))
        else:
            other = rng.choice(SEEDS)
            a = rng.randrange(len(other))
            s[pos:pos] = list(other[a : a + rng.randint(1, 200)])
    return "".join(s)


def run(target: Callable[[random.Random], None], declared: tuple[type[BaseException], ...]) -> int:
    rng = random.Random(1234)
    deadline = time.monotonic() + BUDGET
    n = 0
    tracemalloc.start()
    try:
        while time.monotonic() < deadline:
            tracemalloc.reset_peak()
            t0 = time.perf_counter()
            with contextlib.suppress(declared):
                target(rng)
            spent = time.perf_counter() - t0
            assert spent < MAX_SECONDS, f"an input took {spent:.2f} s"
            assert tracemalloc.get_traced_memory()[1] < MAX_BYTES
            n += 1
    finally:
        tracemalloc.stop()
    return n


def test_fuzz_document_parser_and_validator() -> None:
    def target(rng: random.Random) -> None:
        doc = parse_document(mutate(rng.choice(SEEDS), rng))
        if isinstance(doc, Rulebook):
            lint(doc)

    n = run(target, (SocialCreditError,))
    print(f"\nfuzz rulebook parser: {n:,} inputs in {BUDGET:.0f} s, only clean errors")


def test_fuzz_id_validators() -> None:
    gen = IdGenerator(5)
    valid = [gen.resident() for _ in range(50)] + [gen.organisation() for _ in range(50)]
    alphabet = "0123456789XxABCDEFGHJKLMNPQRTUWXYIOSVZ -'\x00é"

    def target(rng: random.Random) -> None:
        if rng.random() < 0.5:
            text = mutate(rng.choice(valid), rng)
        else:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        normalize_subject_id(text, rng.choice([None, "person", "organisation"]))

    n = run(target, (IdError,))
    print(f"\nfuzz ID validators: {n:,} inputs in {BUDGET:.0f} s, only clean errors")


def test_fuzz_dates_and_durations() -> None:
    pieces = [
        "P",
        "Y",
        "M",
        "W",
        "D",
        "T",
        "H",
        "-",
        "0",
        "1",
        "9",
        "99999",
        "2024",
        "02",
        "29",
        "13",
        "00",
        " ",
        "\n",
        "+",
        "e",
    ]

    def target(rng: random.Random) -> None:
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        if rng.random() < 0.5:
            parse_duration(text)
        else:
            parse_date(text)

    n = run(target, (SocialCreditError,))
    print(f"\nfuzz dates and durations: {n:,} inputs in {BUDGET:.0f} s, only clean errors")


@pytest.mark.usefixtures("live")
def test_fuzz_evidence_uploads(live: Live) -> None:
    from contextlib import closing

    import httpx

    from tests.api.conftest import csrf_of, web_session

    with closing(web_session(live.url, live.tokens["registrar"])) as c:
        cookies = c.cookies
        csrf = csrf_of(c.get("/desk").text)

        def target(rng: random.Random) -> None:
            size = rng.choice([0, 1, 100, 10_000, 950_000])
            content = rng.randbytes(size)
            name = mutate(rng.choice(["evidence.pdf", "../../etc/passwd", "a" * 300, "x"]), rng)
            form = {
                "subject": rng.choice([ME, "bad", ME.lower()]),
                "rule": rng.choice(["rongcheng/traffic-violation", "x/y", ""]),
                "occurred": rng.choice(["2024-05-01", "2024-02-30", "", "9999-12-31"]),
                "evidence": mutate("ticket/1", rng)[:100] or "e",
                "csrf": csrf,
            }
            r = httpx.post(
                f"{live.url}/desk/record",
                data=form,
                cookies=cookies,
                files={"evidence_file": (name[:200], content, "application/pdf")},
                timeout=10,
            )
            assert r.status_code < 500, r.text[:300]

        n = run(target, ())
    assert live.app.integrity.verify()[1] is None
    print(f"\nfuzz evidence uploads: {n:,} requests in {BUDGET:.0f} s, 0 server errors")
