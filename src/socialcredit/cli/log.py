"""The hash chain and the Merkle transparency log: verification, heads and proofs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from socialcredit.cli.common import (
    JsonOpt,
    app,
    err,
    handled,
    open_app,
    out,
    print_json,
    read_text,
    write_or_print,
)
from socialcredit.core.errors import BadInput

ledger_app = typer.Typer(help="Verify the ledger's hash chain.", no_args_is_help=True)
log_app = typer.Typer(help="The Merkle transparency log: heads and proofs.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
app.add_typer(log_app, name="log")


def load_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}: not JSON: {exc.msg} (line {exc.lineno})", field="file") from None


@ledger_app.command("verify")
@handled
def ledger_verify(
    against: Annotated[
        list[Path] | None,
        typer.Option(
            "--against",
            help="A head signed earlier (JSON); the store must still extend it. Repeatable.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Walk the hash chain and every table it commits to; name the first bad row (exit 1)."""
    heads_given = [(str(p), load_json(p)) for p in against or []]
    n, problem = open_app().integrity.verify(heads_given)
    if as_json:
        print_json(
            {
                "ok": problem is None,
                "entries": n,
                "first_bad": problem.event_id if problem else None,
                "table": problem.table if problem else None,
                "row": problem.row if problem else None,
                "message": problem.message if problem else None,
            }
        )
    elif problem is None:
        out.print(f"ok: {n} entries verify, and every table and signed head they commit to")
    else:
        err.print(f"FAILED: {problem.message}", markup=False)
    if problem is not None:
        raise typer.Exit(1)


def _emit_proof(
    head: dict[str, Any],
    proof: dict[str, Any],
    head_out: Path | None,
    proof_out: Path | None,
    as_json: bool,
) -> None:
    """Write the head and the proof to files if asked, else print both as one document."""
    if head_out or proof_out:
        write_or_print(head, head_out)
        write_or_print(proof, proof_out)
    if as_json or not (head_out or proof_out):
        print_json({"head": head, "proof": proof})


@log_app.command("head")
@handled
def log_head(as_json: JsonOpt = False) -> None:
    """Sign the current tree head if it extends the last one signed (else exit 1), and print it."""
    from socialcredit.transparency.heads import head_to_json

    head, public = open_app().log.sign_head()
    body = head_to_json(head) | {"public_key": public.hex()}
    if as_json:
        print_json(body)
    else:
        out.print(f"size {head.size} root {head.root.hex()} at {head.timestamp}")
        out.print(f"signature {head.signature.hex()}")
        out.print(f"public key {public.hex()}")


@log_app.command("prove-inclusion")
@handled
def log_prove_inclusion(
    event_id: Annotated[int, typer.Argument(metavar="EVENT_ID")],
    head_out: Annotated[
        Path | None, typer.Option("--head-out", help="Write the head here.")
    ] = None,
    proof_out: Annotated[
        Path | None, typer.Option("--proof-out", help="Write the proof here.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A signed head and the proof that an entry is in the log."""
    head, proof = open_app().log.prove_inclusion(event_id, sign=True)
    _emit_proof(head, proof, head_out, proof_out, as_json)


@log_app.command("prove-consistency")
@handled
def log_prove_consistency(
    old_size: Annotated[int, typer.Argument(metavar="OLD_SIZE")],
    new_size: Annotated[
        int | None, typer.Argument(metavar="[NEW_SIZE]", help="A signed head's size.")
    ] = None,
    head_out: Annotated[
        Path | None, typer.Option("--head-out", help="Write the head here.")
    ] = None,
    proof_out: Annotated[
        Path | None, typer.Option("--proof-out", help="Write the proof here.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A signed head (NEW_SIZE, or the newest) and the proof it extends the first OLD_SIZE."""
    head, proof = open_app().log.prove_consistency(old_size, new_size, sign=new_size is None)
    _emit_proof(head, proof, head_out, proof_out, as_json)


@log_app.command("verify")
@handled
def log_verify(
    head: Annotated[Path, typer.Option(help="Signed tree head JSON (or {head, proof}).")],
    public_key: Annotated[str, typer.Option(help="The log's Ed25519 public key, hex.")],
    proof: Annotated[Path | None, typer.Option(help="Proof JSON, if not inside --head.")] = None,
    trusted_head: Annotated[
        Path | None,
        typer.Option(help="A head you already trust: check --head extends it (consistency)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a proof against a head with nothing but them and the public key (no store).

    A consistency proof is checked against --trusted-head, never against the old root
    the proof carries; a smaller or different tree is reported as a rollback or fork.
    """
    from socialcredit.transparency import heads as h

    doc = load_json(head)
    if proof is None and isinstance(doc, dict) and "head" in doc and "proof" in doc:
        head_doc, proof_doc = doc["head"], doc["proof"]
    elif proof is None and trusted_head is None:
        raise BadInput("--head must hold {head, proof} when --proof is not given")
    else:
        head_doc, proof_doc = doc, (load_json(proof) if proof is not None else None)
    key = parse_public_key(public_key)
    if trusted_head is not None:
        try:
            trusted = h.head_from_json(load_json(trusted_head))
            new = h.head_from_json(head_doc)
            verdict, reason = h.check_extension(key, trusted, new, proof_doc)
        except ValueError as exc:
            raise BadInput(f"malformed head or proof: {exc}", field="proof") from None
        ok = verdict in (h.CONSISTENT, h.SAME)
    else:
        try:
            h.parse_documents(head_doc, proof_doc)
        except ValueError as exc:
            raise BadInput(f"malformed proof document: {exc}", field="proof") from None
        ok, reason = h.verify_proof_document(key, head_doc, proof_doc)
        verdict = "included" if ok else "failed"
    if as_json:
        print_json({"ok": ok, "verdict": verdict, "reason": reason})
    elif ok:
        out.print(f"ok: {reason}")
    else:
        err.print(f"FAILED: {reason}", markup=False)
    if not ok:
        raise typer.Exit(1)


def parse_public_key(value: str) -> bytes:
    try:
        key = bytes.fromhex(value.strip())
    except ValueError:
        raise BadInput("--public-key: not valid hex", field="public-key") from None
    if len(key) != 32:
        raise BadInput(f"--public-key: expected 32 bytes, got {len(key)}", field="public-key")
    return key
