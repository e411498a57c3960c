"""A witness: keeps the heads it has verified and refuses one that forks or rolls back.

Anyone can run one (see docs/operations.md, "Running a witness"). The state is a small
JSON file: the log's pinned public key and every head accepted, oldest first. A new head
is accepted only if it is signed by the pinned key and a consistency proof from the
newest held head verifies against the witness's OWN copy of that head's root (RFC 9162
section 2.1.4). Anything else is reported and nothing is written, so a log that deletes
its tail or rewrites an entry is caught by the first witness that already held a later
head. Bad input (a malformed file, a URL that does not answer) is a ``WitnessInputError``.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialcredit.transparency import heads

FORMAT = "socialcredit-witness-v1"
MAX_BODY = 1 << 20


class WitnessInputError(ValueError):
    """The input cannot be judged (malformed, unreachable): exit 2, nothing written."""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    verdict: str  # consistent, same, first, rollback, fork, bad-signature, key-changed
    reason: str
    head: heads.TreeHead | None = None


def empty_state(public_key: bytes) -> dict[str, Any]:
    return {"format": FORMAT, "public_key": public_key.hex(), "heads": []}


def load_state(path: Path) -> dict[str, Any] | None:
    """The state in ``path``, or None if the file does not exist yet."""
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WitnessInputError(f"{path}: not a witness state file: {exc}") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise WitnessInputError(f"{path}: not a witness state file (format {FORMAT} expected)")
    try:
        key = bytes.fromhex(str(state.get("public_key")))
        if len(key) != 32 or not isinstance(state.get("heads"), list):
            raise ValueError("public_key or heads")
        for h in state["heads"]:
            heads.head_from_json(h)
    except ValueError as exc:
        raise WitnessInputError(f"{path}: malformed witness state: {exc}") from None
    return state


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write the state atomically (a crash leaves the old file or the new, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pinned_key(state: dict[str, Any]) -> bytes:
    return bytes.fromhex(str(state["public_key"]))


def newest(state: dict[str, Any]) -> heads.TreeHead | None:
    held = state["heads"]
    return heads.head_from_json(held[-1]) if held else None


def judge(state: dict[str, Any], new: heads.TreeHead, proof: object | None) -> Outcome:
    """Would the witness accept ``new``? Never raises for a fork; raises on bad input."""
    key = pinned_key(state)
    last = newest(state)
    if last is None:
        if not heads.verify_head(key, new):
            return Outcome(
                False,
                heads.BAD_SIGNATURE,
                "the head's signature does not verify with the pinned public key",
            )
        return Outcome(True, "first", f"first head held: size {new.size}", new)
    try:
        verdict, reason = heads.check_extension(key, last, new, proof)
    except ValueError as exc:
        raise WitnessInputError(f"malformed or missing proof: {exc}") from None
    return Outcome(verdict in (heads.CONSISTENT, heads.SAME), verdict, reason, new)


def accept(state: dict[str, Any], outcome: Outcome, witnessed: str) -> bool:
    """Append an accepted new head to the state; False if there is nothing new."""
    if not outcome.ok or outcome.head is None or outcome.verdict == heads.SAME:
        return False
    state["heads"].append(heads.head_to_json(outcome.head) | {"witnessed": witnessed})
    return True


Fetch = Callable[[str], object]


def http_fetcher(base: str, timeout: float = 10.0) -> Fetch:
    """GET ``base`` + path as JSON; any failure to answer is a WitnessInputError."""
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WitnessInputError(f"--from {base!r}: expected an http(s):// URL of the service")
    root = base.rstrip("/")

    def fetch(path: str) -> object:
        url = root + path
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - http(s) only
                body = resp.read(MAX_BODY + 1)
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the connection open
            raise WitnessInputError(f"{url} answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise WitnessInputError(f"{url} does not answer: {reason}") from None
        if len(body) > MAX_BODY:
            raise WitnessInputError(f"{url}: answer larger than {MAX_BODY} bytes")
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise WitnessInputError(f"{url}: the answer is not JSON") from None

    return fetch


def check(state: dict[str, Any], fetch: Fetch) -> Outcome:
    """Fetch the service's latest signed head and, if it grew, a consistency proof from
    the newest head held; judge it. The served public key is never trusted over the
    pinned one."""
    body = fetch("/v1/log/head")
    try:
        new = heads.head_from_json(body)
    except ValueError as exc:
        raise WitnessInputError(f"the served head is malformed: {exc}") from None
    served_key = body.get("public_key") if isinstance(body, dict) else None
    if served_key is not None and served_key != state["public_key"]:
        return Outcome(
            False,
            "key-changed",
            f"the service now signs with another key ({str(served_key)[:16]}...) "
            f"than the pinned one ({str(state['public_key'])[:16]}...)",
            new,
        )
    last = newest(state)
    proof: object | None = None
    if last is not None and new.size > last.size and last.size > 0:
        doc = fetch(f"/v1/log/consistency?old={last.size}&new={new.size}")
        if not isinstance(doc, dict) or "proof" not in doc or "head" not in doc:
            raise WitnessInputError("the consistency answer is not {head, proof}")
        try:
            proved = heads.head_from_json(doc["head"])
        except ValueError as exc:
            raise WitnessInputError(f"the consistency answer's head is malformed: {exc}") from None
        if (proved.size, proved.root) != (new.size, new.root):
            return Outcome(
                False, heads.FORK, f"fork: the service signed two roots for size {new.size}", new
            )
        proof = doc["proof"]
    return judge(state, new, proof)
