"""A witness of the transparency log: keep verified heads, refuse forks and rollbacks.

Needs no store: only the heads, proofs and the log's public key. Exit 0 when the new
head extends the held ones, 1 for a fork, a rollback or a bad signature (nothing is
written), 2 for bad input (malformed files, a URL that does not answer).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from socialcredit.cli.common import JsonOpt, app, err, handled, out, print_json
from socialcredit.cli.log import load_json, parse_public_key
from socialcredit.core.errors import BadInput

witness_app = typer.Typer(
    help="Witness the log: keep verified heads, refuse forks and rollbacks.",
    no_args_is_help=True,
)
app.add_typer(witness_app, name="witness")

StateOpt = Annotated[
    Path, typer.Option("--state", help="The witness's JSON file of verified heads.")
]


def _state(path: Path, public_key: str | None) -> dict[str, Any]:
    from socialcredit.transparency import witness as w

    try:
        state = w.load_state(path)
    except w.WitnessInputError as exc:
        raise BadInput(str(exc), field="state") from None
    key = parse_public_key(public_key) if public_key is not None else None
    if state is None:
        if key is None:
            raise BadInput(
                f"{path} holds no heads yet: give --public-key to pin the log's key",
                field="public-key",
            )
        return w.empty_state(key)
    if key is not None and key.hex() != state["public_key"]:
        raise BadInput(
            f"{path} pins the log key {state['public_key'][:16]}...; --public-key differs "
            "(a new key is a new log: start a new state file)",
            field="public-key",
        )
    return state


def _finish(path: Path, state: dict[str, Any], outcome: Any, as_json: bool) -> None:
    from socialcredit.transparency import witness as w

    wrote = False
    if outcome.ok:
        wrote = w.accept(state, outcome, datetime.now(UTC).isoformat(timespec="seconds"))
        if wrote:
            w.save_state(path, state)
    held = state["heads"][-1]["size"] if state["heads"] else None
    if as_json:
        print_json(
            {
                "ok": outcome.ok,
                "verdict": outcome.verdict,
                "reason": outcome.reason,
                "recorded": wrote,
                "held_size": held,
            }
        )
    elif outcome.ok:
        out.print(f"ok: {outcome.reason}" + (f"; recorded in {path}" if wrote else ""))
    else:
        err.print(f"REFUSED ({outcome.verdict}): {outcome.reason}", markup=False)
    if not outcome.ok:
        raise typer.Exit(1)


@witness_app.command("add")
@handled
def witness_add(
    head: Annotated[Path, typer.Argument(metavar="HEAD.json", help="A signed head (JSON).")],
    state_file: StateOpt,
    public_key: Annotated[
        str | None, typer.Option(help="The log's Ed25519 public key, hex (pinned on first use).")
    ] = None,
    proof: Annotated[
        Path | None, typer.Option(help="Consistency proof from the newest held head.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify a head and keep it; it must extend the newest head already held."""
    from socialcredit.transparency import heads as h
    from socialcredit.transparency import witness as w

    doc = load_json(head)
    proof_doc = load_json(proof) if proof is not None else None
    if isinstance(doc, dict) and "head" in doc and "proof" in doc:
        doc, proof_doc = doc["head"], proof_doc or doc["proof"]
    try:
        new = h.head_from_json(doc)
    except ValueError as exc:
        raise BadInput(f"{head}: malformed head: {exc}", field="head") from None
    state = _state(state_file, public_key)
    try:
        outcome = w.judge(state, new, proof_doc)
    except w.WitnessInputError as exc:
        raise BadInput(str(exc), field="proof") from None
    _finish(state_file, state, outcome, as_json)


@witness_app.command("check")
@handled
def witness_check(
    source: Annotated[
        str, typer.Option("--from", help="Base URL of the service, e.g. https://credit.example")
    ],
    state_file: StateOpt,
    public_key: Annotated[
        str | None,
        typer.Option(help="The log's public key, hex: pins it if the state is new."),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for an answer.", min=0.1)] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Fetch the latest signed head and a consistency proof from the newest held head;
    record it if it extends, refuse (exit 1) a fork or a rollback."""
    from socialcredit.transparency import witness as w

    state = _state(state_file, public_key)
    try:
        outcome = w.check(state, w.http_fetcher(source, timeout))
    except w.WitnessInputError as exc:
        raise BadInput(str(exc), field="from") from None
    _finish(state_file, state, outcome, as_json)
