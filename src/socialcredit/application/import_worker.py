"""The worker side of a bulk import: validate, seal and encode a chunk (application/imports.py).

Everything here depends on one row alone, so worker processes do it (each opening the
store read-only), each for the rows of its own subjects (``_part``). The answer is
columns for the parent's executemany: rows, encodings, idempotency digests and, per
subject, its access record's sealed purpose and its rows' positions.

Issue 16: per event, a worker validates through a template (what the rulebook makes of
a row depends on its scheme, rule, authority, subject kind, date and evidence kind
only), fills the template's precomputed encodings (``core/shapes.py``) instead of
encoding seventeen fields as JSON, seals the reference with a nonce drawn from a pool,
and keeps across chunks an ID's normal form, a subject's kind (append-only), a template.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import threading
import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import repeat
from typing import Any

from socialcredit import sealing
from socialcredit.application.base import normalise_subject
from socialcredit.core import trust
from socialcredit.core.errors import NotFound, SocialCreditError
from socialcredit.core.ledger import Event, Submission, canonical, check_text, prepare_score_event
from socialcredit.core.periods import parse_date
from socialcredit.core.rulebook import Rulebook
from socialcredit.core.shapes import Shape
from socialcredit.store.sql import Encoded, Store

Columns = Mapping[str, Sequence[Any]]
# Raw CSV lines with no quote character (so one line is one record) and their header:
# parsed in the worker, which takes the reading of the file off the ordered path too.
Lines = tuple[tuple[str, ...], bytes]
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Prepared:
    """A worker's answer for one chunk: its fresh rows as columns, or the first bad row.

    ``rows`` are ready for ``Store.append_encoded``; ``access`` names each subject
    (pseudonym) with its access record's purpose sealed under its key and the positions
    of its rows. ``tip`` is the last ledger id the worker's read saw: a key erased after
    it may be one the chunk was sealed with (the parent looks, under the append lock).
    """

    rows: Encoded
    access: list[tuple[str, str, list[int]]]
    existing: int
    tip: int = 0
    error: tuple[int, str] | None = None
    places: list[int] = field(default_factory=list)  # each row's position in the chunk


def _failed(row: int, message: str) -> Prepared:
    return Prepared(Encoded(), [], 0, 0, (row, message))


_worker: dict[str, Any] = {}


def init_worker(url: str) -> None:
    # No cyclic garbage collection in a worker (it lives for one import): a chunk makes
    # a hundred thousand objects and no cycles, and collections walking them (while the
    # chunk was built, and again while its answer was pickled) cost a tenth of its time.
    gc.disable()
    _worker.update(
        store=Store(url),
        versions={},  # scheme -> its rulebook versions
        ids={},  # subject as written -> (normal form, pseudonym)
        kinds={},  # normal form -> kind (subjects are append-only)
        shapes={},  # template key -> _Template, for shapes_for
        shapes_for=None,
        keyring={},  # pseudonym -> (key, sealer, sealed purpose) until erased
        tip=None,  # the ledger tip of the last chunk's read
        nonces=sealing.Nonces(),
    )
    parent = os.getppid()

    def orphaned() -> None:
        # A parent killed outright (kill -9) cannot stop its workers: they stop themselves.
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=orphaned, daemon=True).start()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    return parse_date(str(value), field="occurred")


def parse_lines(first_row: int, lines: Lines) -> Columns | tuple[int, str]:
    """Columns from raw CSV lines, or the first row whose field count is wrong."""
    header, data = lines
    width = len(header)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return first_row, f"cannot read: {exc}"
    if "\r\n" in text and text.count("\r") == text.count("\r\n") and '"' not in text:
        text = text.replace("\r\n", "\n")  # CRLF line ends (csv.writer's) read as LF
    if '"' not in text and "\r" not in text and "\0" not in text and text.endswith("\n"):
        # No quotes, CRs or NULs: a record is a line, a field what lies between commas.
        body = text[:-1]
        records = body.split("\n")
        counts = list(map(str.count, records, repeat(",")))
        if counts.count(width - 1) != len(counts) or not all(records):
            i = next(i for i, r in enumerate(records) if not r or counts[i] != width - 1)
            fields = counts[i] + 1 if records[i] else 0  # an empty line: no field (csv)
            return first_row + i, f"{fields} fields, the header has {width}"
        cells = body.replace("\n", ",").split(",")
        return {name: cells[k::width] for k, name in enumerate(header)}
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return first_row, f"cannot read: {exc}"
    for i, values in enumerate(rows):
        if len(values) != width:
            return first_row + i, f"{len(values)} fields, the header has {width}"
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    return {name: columns[k] for k, name in enumerate(header)}


class _Template:
    """A validated template entry, its shape (None: encode its entries one by one) and
    its events row with the subject, reference, data and digest left open."""

    __slots__ = ("event", "row", "shape")

    def __init__(self, event: Event, iso: bool) -> None:
        self.event = event
        try:
            self.shape: Shape | None = Shape(event)
        except ValueError:
            self.shape = None
        self.row = _open(_row(event, iso, ""))


def _open(row: Row) -> Row:
    """The row as a form of ``Encoded``: subject, evidence_ref, data and dedup left open."""
    return (row[0], None, *row[2:12], None, *row[13:16], None, None)


def _row(e: Event, iso: bool, key: str) -> Row:
    return (
        e.type,
        e.subject,
        e.authority,
        e.occurred.isoformat() if iso else e.occurred,
        e.recorded,
        e.scheme,
        e.version,
        e.rule,
        e.points,
        (e.ends.isoformat() if iso else e.ends) if e.ends else None,
        e.cap,
        e.evidence_kind,
        e.evidence_ref,
        e.evidence_sha256,
        e.reverses,
        e.reason,
        json.dumps(dict(e.data), sort_keys=True) if e.data else "{}",
        key,
    )


def _sealed(sealer: sealing.Sealer, subject_key: bytes, e: Event, key: str, stored: str) -> Event:
    """``sealing.seal_event`` of the entry with its idempotency key, under its pseudonym
    (the path of entries no template encodes: an evidence digest, sealed data)."""
    if any(k in e.data for k in sealing.SEALED_KEYS) or e.reason is not None:
        sealed = sealing.seal_event(subject_key, replace(e, data={**e.data, "dedup": key}))
        return replace(sealed, subject=stored)
    ref = e.evidence_ref
    return replace(
        e,
        subject=stored,
        data={**e.data, "dedup": key},
        evidence_ref=(ref if ref is None or sealer.sealed(ref) else sealer.seal(ref)),
    )


def _part(cols: Columns, part: int, parts: int) -> tuple[Columns, list[int]]:
    """This worker's rows and their positions in the chunk: a subject's rows go to one
    worker (CRC of the text; ``hash`` differs between processes), which alone derives its
    pseudonym, reads its key, seals its purpose (issue 16: two workers each met most of
    50,000 subjects); two spellings of one ID may go to two (the parent sees to it)."""
    crc, subjects = zlib.crc32, cols["subject"]
    at = [
        i
        for i, s in enumerate(subjects)
        if crc(str(s).encode("utf-8", "surrogatepass")) % parts == part
    ]
    return {name: [col[i] for i in at] for name, col in cols.items()}, at


def prepare_chunk(
    first_row: int,
    cols: Columns | Lines,
    today: date,
    recorded: str,
    purpose: str = "",
    part: int = 0,
    parts: int = 1,
) -> Prepared:
    """Validate, seal and encode one chunk (in a worker process); the first bad row stops it.

    Only the rows ``_part`` gives ``part``; positions in the answer count those rows.
    """
    if isinstance(cols, tuple):
        parsed = parse_lines(first_row, cols)
        if isinstance(parsed, tuple):
            return _failed(*parsed)
        cols = parsed
    places: Sequence[int] = range(len(cols["subject"]))
    if parts > 1:
        cols, places = _part(cols, part, parts)
    store: Store = _worker["store"]
    versions: dict[str, list[Rulebook]] = _worker["versions"]
    normal: dict[Any, tuple[str, str]] = _worker["ids"]
    kinds: dict[str, str] = _worker["kinds"]
    nonces: sealing.Nonces = _worker["nonces"]
    keyring: dict[str, tuple[bytes, sealing.Sealer, str]] = _worker["keyring"]
    iso = store.dialect == "sqlite"
    subjects, schemes, rules = cols["subject"], cols["scheme"], cols["rule"]
    authorities_col, occurred = cols["authority"], cols["occurred"]
    n = len(subjects)
    none = [None] * n
    evidence = cols.get("evidence", none)
    ev_kind = cols.get("evidence_kind", none)
    ev_sha = cols.get("evidence_sha256", none)
    row = first_row
    try:
        with store.read() as conn:
            # The tip first: a key read after it and erased later has its erasure entry
            # after it, whatever the isolation level (the parent looks there). Keys kept
            # from earlier chunks are dropped if an erasure came since (store/subjects.py:
            # a key is only ever deleted by erasure, which appends that entry with it).
            tip, _ = store.tip(conn)
            if _worker["tip"] is not None:
                for p in store.entry_subjects_since(conn, _worker["tip"], trust.ERASED):
                    keyring.pop(p, None)
            _worker["tip"] = tip
            # IDs as written -> (normal form, pseudonym), one normalisation per spelling
            # for the whole import; the first invalid one in file order is the error.
            new = [raw for raw in dict.fromkeys(subjects) if raw not in normal]
            spelled = store.canonical_pseudonyms(conn, [str(raw or "") for raw in new])
            for raw in new:
                both = spelled[str(raw or "")]
                if both is None:
                    row = first_row + places[list(subjects).index(raw)]
                    normalise_subject(str(raw or ""))  # raises InvalidId, naming the fault
                    raise NotFound(f"subject {raw!r} is not an identifier", field="subject")
                normal[raw] = both
            unknown = {normal[raw][0] for raw in set(subjects)} - kinds.keys()
            kinds.update(store.subject_kinds(conn, unknown))
            authorities = store.authority_ids(conn)
            for scheme in set(schemes):
                if scheme not in versions:
                    found = store.rulebook_versions(conn, str(scheme))
                    if not found:
                        known = ", ".join(store.schemes(conn)) or "none"
                        row = first_row + places[list(schemes).index(scheme)]
                        raise NotFound(f"unknown scheme {scheme!r} (published: {known})")
                    versions[scheme] = found
            # Templates outlive the chunk; they hold while the day, the moment recorded
            # and the registered authorities do.
            if _worker["shapes_for"] != (today, recorded, frozenset(authorities)):
                _worker["shapes"] = {}
                _worker["shapes_for"] = (today, recorded, frozenset(authorities))
            templates: dict[tuple[Any, ...], _Template] = _worker["shapes"]
            secret = store.secret(conn, "dedup", recorded)
            digest = _worker.get("digest")
            if digest is None or _worker.get("digest_of") != secret:
                digest = _worker["digest"] = sealing.DedupDigest(secret)
                _worker["digest_of"] = secret
            # per row: (template or None, the entry when encoded one by one, ID, reference)
            plan: list[tuple[_Template | None, Event | None, str, str | None]] = []
            keys: list[str] = []
            for i in range(n):
                row = first_row + places[i]
                sid = normal[subjects[i]][0]
                kind = kinds.get(sid)
                if kind is None:
                    raise NotFound(f"subject {sid} is not registered", field="subject")
                ref, sha = evidence[i], ev_sha[i]
                ref = None if ref is None else (str(ref).strip() or None)
                sha = None if sha is None else (str(sha).strip() or None)  # "": none given
                shape = (schemes[i], rules[i], authorities_col[i], kind, occurred[i], ev_kind[i])
                template = templates.get(shape) if ref is not None and sha is None else None
                if template is not None and template.shape is not None:
                    ref = check_text(ref, "evidence")
                    assert ref is not None  # a non-blank text stays one
                    plan.append((template, None, sid, ref))
                    keys.append(digest(template.shape.facts % (sid, ref)))
                    continue
                if template is not None:
                    e = replace(
                        template.event, subject=sid, evidence_ref=check_text(ref, "evidence")
                    )
                else:
                    e = prepare_score_event(
                        versions[schemes[i]],
                        Submission(
                            sid,
                            kind,
                            str(schemes[i]),
                            str(rules[i]),
                            str(authorities_col[i]),
                            ref,
                            _day(occurred[i]),
                            _text(ev_kind[i]),
                            sha,
                        ),
                        today=today,
                        recorded=recorded,
                        registered_authorities=authorities,
                    )
                    if sha is None:
                        templates[shape] = _Template(e, iso)
                plan.append((None, e, sid, e.evidence_ref))
                keys.append(sealing.keyed_dedup(secret, e) or "")
            known_keys = store.find_dedup(conn, keys)
            # Keys are read once per subject and worker, and kept until an erasure (above).
            stored_as = dict(normal[raw] for raw in set(subjects))
            missing = {
                sid
                for (_, _, sid, _), k in zip(plan, keys, strict=True)
                if k not in known_keys and stored_as[sid] not in keyring
            }
            for sid, subject_key in store.get_keys(conn, missing).items():
                sealer = sealing.Sealer(subject_key, sid)
                # The purpose of this worker's access records about the subject, sealed
                # once: the same plaintext under the same nonce is the same ciphertext,
                # which tells nothing the records do not (same import, same purpose).
                sealed_purpose = sealer.seal_text(purpose, nonces.take())
                keyring[stored_as[sid]] = (subject_key, sealer, sealed_purpose)
    except SocialCreditError as exc:
        return _failed(row, exc.message)
    except (TypeError, ValueError) as exc:
        return _failed(row, f"cannot read the row: {exc}")
    out = Encoded()
    forms, form, subject_col = out.forms, out.form.append, out.subject.append
    refs, data, dedup, encoded = (
        out.evidence_ref.append,
        out.data.append,
        out.dedup.append,
        out.encoded.append,
    )
    at_form: dict[int, int] = {}  # id(template) -> its index in forms
    take, prefix = nonces.take, sealing.PREFIX
    seen: set[str] = set()
    where: list[int] = []
    kept = where.append
    positions: dict[str, list[int]] = {}
    for (template, entry, sid, ref), key, i in zip(plan, keys, range(n), strict=True):
        if key in known_keys or key in seen:
            continue
        seen.add(key)
        kept(places[i])
        p = stored_as[sid]
        ring = keyring.get(p)
        if ring is None:
            return _failed(
                first_row + places[i],
                f"subject {sid} was erased: record new events about it one at a "
                "time (`socialcredit record`), which gives it a fresh key",
            )
        at = positions.get(p)
        if at is None:
            at = positions[p] = []
        at.append(len(seen) - 1)
        sealer = ring[1]
        if template is not None and template.shape is not None:
            assert ref is not None
            if not ref.startswith(prefix) or not sealer.sealed(ref):  # as _sealed does
                ref = sealer.seal_text(ref, take())
            k = at_form.get(id(template))
            if k is None:
                k = at_form[id(template)] = len(forms)
                forms.append(template.row)
            form(k)
            subject_col(p)
            refs(ref)
            data(template.shape.data % key)
            dedup(key)
            encoded((template.shape.canonical % (key, ref, p)).encode())
        else:
            assert entry is not None
            sealed = _sealed(sealer, ring[0], entry, key, p)
            whole = _row(sealed, iso, key)
            form(len(forms))
            forms.append(_open(whole))
            subject_col(p)
            refs(whole[12])
            data(whole[16])
            dedup(key)
            encoded(canonical(sealed))
    access = [(p, keyring[p][2], at) for p, at in positions.items()]
    return Prepared(out, access, n - len(out), tip, None, where)
