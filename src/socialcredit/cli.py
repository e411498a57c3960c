"""The operator console: a thin Typer layer over ``application/``.

Errors are translated once, here: a ``SocialCreditError`` becomes a one-line message on
stderr and its exit code (2 for bad input, 1 for a failed check), never a traceback.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from socialcredit.application import Application, directory_rulebooks
from socialcredit.core.errors import BadInput, SocialCreditError
from socialcredit.core.periods import parse_date
from socialcredit.settings import Settings
from socialcredit.wire import dispute_json, entry_json, event_json, report_json

app = typer.Typer(
    help="socialcredit: published rulebooks, an evidence-backed ledger, explained scores.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
subject_app = typer.Typer(
    help="Register subjects (persons and organisations).", no_args_is_help=True
)
rulebook_app = typer.Typer(help="Check, show and publish rulebooks.", no_args_is_help=True)
ledger_app = typer.Typer(help="Verify the ledger's hash chain.", no_args_is_help=True)
list_app = typer.Typer(
    help="Blacklist and red-list entries and their lifecycle.", no_args_is_help=True
)
memo_app = typer.Typer(help="Check memoranda of joint sanctions and rewards.", no_args_is_help=True)
app.add_typer(subject_app, name="subject")
app.add_typer(rulebook_app, name="rulebook")
app.add_typer(ledger_app, name="ledger")
app.add_typer(list_app, name="list")
app.add_typer(memo_app, name="memo")

out = Console()
err = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


class _State:
    db: str | None = None
    purpose: str | None = None


state = _State()


@app.callback()
def _root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store URL or SQLite path (default: $SOCIALCREDIT_DB or ./socialcredit.db).",
        ),
    ] = None,
    purpose: Annotated[
        str | None,
        typer.Option("--purpose", help="Why the operator reads (recorded with every read)."),
    ] = None,
) -> None:
    state.db = db
    state.purpose = purpose


_opened: list[Application] = []


def _app() -> Application:
    application = Application(Settings.from_env(state.db, state.purpose))
    _opened.append(application)
    return application


def _close_all() -> None:
    """Every command releases its connections (a PostgreSQL server counts them)."""
    while _opened:
        _opened.pop().store.close()


def handled(fn: F) -> F:
    """Translate our errors to a one-line message and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SocialCreditError as exc:
            if kwargs.get("as_json"):
                print(json.dumps({"error": exc.to_dict()}))
            err.print(f"error: {exc.message}", markup=False, highlight=False)
            raise typer.Exit(exc.exit_code) from None
        finally:
            _close_all()

    return wrapper  # type: ignore[return-value]


def _date(value: str | None, field: str) -> date | None:
    return parse_date(value, field=field) if value is not None else None


def _day(value: str, field: str) -> date:
    day = _date(value, field)
    assert day is not None
    return day


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


# -- setup ------------------------------------------------------------------------------
@app.command()
@handled
def init(
    rulebooks: Annotated[
        Path | None, typer.Option(help="Load rulebooks from this folder instead of the examples.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create the store and publish the example rulebooks (idempotent)."""
    application = _app()
    sources = directory_rulebooks(rulebooks) if rulebooks else None
    result = application.init(sources)
    if as_json:
        _print_json(
            {
                "db": application.settings.db_url,
                "published": result.published,
                "already": result.already,
                "authorities": result.authorities,
            }
        )
        return
    out.print(f"store {application.settings.db_url}")
    for label in result.published:
        out.print(f"  published {label}")
    for label in result.already:
        out.print(f"  already published {label}")


@subject_app.command("add")
@handled
def subject_add(
    ident: Annotated[str, typer.Argument(metavar="ID", help="Resident ID or credit code.")],
    kind: Annotated[str, typer.Option(help="person or organisation")],
    name: Annotated[str, typer.Option(help="Full name (personal data).")],
    as_json: JsonOpt = False,
) -> None:
    """Register a person or an organisation."""
    subject, created = _app().add_subject(ident, kind, name)
    if as_json:
        _print_json({"subject": subject, "kind": kind, "created": created})
    else:
        out.print(f"{'registered' if created else 'already registered'} {kind} {subject}")


# -- recording --------------------------------------------------------------------------
@app.command()
@handled
def record(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    rule: Annotated[str, typer.Argument(metavar="RULE")],
    scheme: Annotated[str, typer.Option(help="Scheme id, e.g. rongcheng.")],
    authority: Annotated[str, typer.Option(help="Issuing authority id.")],
    occurred: Annotated[str, typer.Option(help="Date of the conduct, YYYY-MM-DD.")],
    evidence: Annotated[str | None, typer.Option(help="Evidence document reference.")] = None,
    evidence_kind: Annotated[str | None, typer.Option(help="Kind of evidence document.")] = None,
    evidence_file: Annotated[
        Path | None, typer.Option(help="The evidence file; its SHA-256 is recorded.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an evidence-backed event (re-submitting the same one returns it)."""
    sha = None
    if evidence_file is not None:
        if not evidence_file.is_file():
            raise BadInput(
                f"evidence file {str(evidence_file)!r} does not exist", field="evidence-file"
            )
        sha = hashlib.sha256(evidence_file.read_bytes()).hexdigest()
    day = _day(occurred, "occurred")
    result = _app().record(
        ident,
        scheme,
        rule,
        authority=authority,
        evidence_ref=evidence,
        occurred=day,
        evidence_kind=evidence_kind,
        evidence_sha256=sha,
    )
    if as_json:
        _print_json({"event": result.event, "created": result.created, "evidence_sha256": sha})
    else:
        out.print(f"{'recorded' if result.created else 'already recorded as'} event {result.event}")


@app.command()
@handled
def correct(
    event_id: Annotated[int, typer.Argument(metavar="EVENT_ID")],
    reason: Annotated[str, typer.Option(help="Why the event is wrong (required).")],
    authority: Annotated[str, typer.Option(help="Correcting authority id.")],
    occurred: Annotated[str | None, typer.Option(help="Date of the correction.")] = None,
    evidence: Annotated[str | None, typer.Option(help="Evidence for the correction.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Reverse an earlier event with a reason (a new entry; nothing is deleted)."""
    new = _app().correct(
        event_id,
        reason=reason,
        authority=authority,
        occurred=_date(occurred, "occurred"),
        evidence_ref=evidence,
    )
    if as_json:
        _print_json({"event": new, "reverses": event_id})
    else:
        out.print(f"recorded correction event {new} reversing event {event_id}")


# -- reading ----------------------------------------------------------------------------
@app.command()
@handled
def score(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    scheme: Annotated[str, typer.Option(help="Scheme id.")],
    as_of: Annotated[str | None, typer.Option(help="Date, YYYY-MM-DD (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score, grade, caps and perks with the line-by-line explanation."""
    report = _app().score(ident, scheme, _date(as_of, "as-of"))
    if as_json:
        _print_json(report_json(report))
        return
    cap = f" (capped from {report.uncapped_grade})" if report.capped else ""
    out.print(
        f"[bold]{report.subject}[/] {report.scheme} {report.version} as of {report.as_of}: "
        f"score [bold]{report.score}[/], grade [bold]{report.grade}[/]{cap}"
    )
    if report.factors:
        t = Table("factor", "value", "bin from", "points", "records")
        for f in report.factors:
            t.add_row(f.code, str(f.value), str(f.bin_from), str(f.points), str(f.records))
        out.print(t)
    t = Table("event", "rule", "points", "occurred", "ends", "authority", "evidence", title="lines")
    for ln in report.lines:
        t.add_row(
            str(ln.event),
            ln.rule,
            f"{ln.points:+d}",
            str(ln.occurred),
            str(ln.ends or "-"),
            ln.authority,
            ln.evidence or "-",
        )
    out.print(f"base {report.base}")
    out.print(t)
    for x in report.excluded:
        out.print(f"  not counted: event {x.event} {x.rule}: {x.why}")
    out.print(f"perks: {', '.join(report.perks) or 'none'}")


@app.command()
@handled
def history(ident: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Every ledger entry about a subject, in order."""
    events = _app().history(ident)
    if as_json:
        _print_json({"subject": ident.upper(), "events": [event_json(e) for e in events]})
        return
    t = Table("event", "type", "scheme", "rule", "points", "occurred", "ends", "authority", "note")
    for e in events:
        note = f"reverses {e.reverses}: {e.reason}" if e.reverses else (e.evidence_ref or "")
        t.add_row(
            str(e.id),
            e.type,
            e.scheme or "",
            e.rule or "",
            str(e.points),
            str(e.occurred),
            str(e.ends or "-"),
            e.authority,
            note,
        )
    out.print(t)


# -- rulebooks --------------------------------------------------------------------------
def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read: {exc}", field="file") from None


def _findings_out(results: list[dict[str, str]], as_json: bool, ok_line: str) -> None:
    """Print findings one per line (or as JSON) and exit: 2 if any is bad input (a
    malformed file, an unknown catalogue entry or measure), 1 on other errors."""
    from socialcredit.core.policy import INPUT_CODES

    errors = [r for r in results if r["severity"] == "error"]
    if as_json:
        _print_json({"ok": not errors, "findings": results})
    else:
        for r in results:
            where = f"{r['path']}: " if r["path"] else ""
            line = f"{r['file']}: {where}{r['severity']} {r['code']}: {r['message']}"
            (err if r["severity"] == "error" else out).print(line, markup=False, highlight=False)
        if not errors:
            out.print(ok_line)
    if errors:
        raise typer.Exit(2 if any(r["code"] in INPUT_CODES for r in errors) else 1)


def _check_files(files: list[Path], max_penalty_years: int, as_json: bool) -> None:
    """Shared by `rulebook check` and `memo check`: every finding per file at once.

    Files are checked against the shipped documents (catalogue, measures, lists,
    schemes), a file replacing a shipped one of the same id. A file is taken as
    published on the date it declares (``published``) or today.
    """
    from socialcredit.application import packaged_rulebooks
    from socialcredit.core.documents import check_documents, parse_document
    from socialcredit.core.policy import LintConfig

    named = {p.name for p in files}
    context = [parse_document(t) for n, t in packaged_rulebooks() if n not in named]
    found = check_documents(
        [(str(p), _read(p)) for p in files],
        context,
        today=date.today(),
        config=LintConfig(max_negative_lasts_days=max_penalty_years * 366),
    )
    results = [
        {
            "file": f.file,
            "path": f.finding.path,
            "code": f.finding.code,
            "severity": f.finding.severity,
            "message": f.finding.message,
        }
        for f in found
    ]
    warnings = sum(r["severity"] != "error" for r in results)
    _findings_out(results, as_json, f"ok: {len(files)} file(s), {warnings} warning(s)")


@rulebook_app.command("check")
@handled
def rulebook_check(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...")],
    max_penalty_years: Annotated[
        int, typer.Option(help="Longest allowed effect of a negative rule, in years.")
    ] = 5,
    as_json: JsonOpt = False,
) -> None:
    """Validate documents of every kind against the catalogue, the bounds and their own
    examples; exit 1 on a policy error, 2 on a malformed file or unknown reference."""
    _check_files(files, max_penalty_years, as_json)


@memo_app.command("check")
@handled
def memo_check(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...")],
    as_json: JsonOpt = False,
) -> None:
    """Check memoranda (and lists): every clause applies a listed measure in its sectors."""
    _check_files(files, 5, as_json)


@rulebook_app.command("show")
@handled
def rulebook_show(
    ident: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOpt = False
) -> None:
    """Show every published version of a document of any kind (scheme, list, memorandum,
    catalogue, measures), with legal basis, effective and publication dates."""
    from socialcredit.wire import document_json

    versions = _app().documents(ident)
    if as_json:
        docs = [document_json(d, at) for d, at in versions]
        body: dict[str, Any] = {"id": ident, "kind": docs[-1]["kind"], "versions": docs}
        if docs[-1]["kind"] in ("points", "scorecard"):
            body["scheme"] = ident
        _print_json(body)
        return
    out.print(f"[bold]{ident}[/]: {len(versions)} version(s)", highlight=False)
    for doc, at in versions:
        d = document_json(doc, at)
        out.print(
            f"[bold]{d['title']}[/] ({d['kind']} {ident} {d['version']}, effective "
            f"{d['effective']}, published {d['published'] or '-'}, registered {at})",
            highlight=False,
        )
        out.print(f"publisher: {d['publisher']}; legal basis: {d['legal_basis']}", markup=False)
        _show_body(doc, d)


def _show_body(doc: Any, d: dict[str, Any]) -> None:
    from socialcredit.core.rulebook import Rulebook

    if isinstance(doc, Rulebook):
        _show_rulebook(doc)
        return
    kind = d["kind"]
    if kind == "catalogue":
        t = Table("entry", "conduct", "severity", "points", "longest", "recorded by", "legal basis")
        for e in d["entries"]:
            t.add_row(
                e["id"],
                e["conduct"],
                e["severity"],
                f"{e['direction'][:3]} {e['most_points']}",
                e["longest"],
                ", ".join(e["recorded_by"]),
                e["legal_basis"],
            )
    elif kind == "measures":
        t = Table("measure", "effect", "sectors", "follows", "legal basis")
        for m in d["measures"]:
            t.add_row(
                m["id"],
                m["effect"],
                ", ".join(m["sectors"]),
                ", ".join(m["follows"]),
                m["legal_basis"],
            )
    elif kind == "list":
        out.print(
            f"{d['list_kind']} list; conduct: {', '.join(d['conduct'])}; sectors: "
            f"{', '.join(d['sectors'])}; at most {d['max_duration']}, notice {d['notice']}; "
            f"remedy: {d['remedy']}",
            markup=False,
        )
        return
    else:
        t = Table("clause", "effect", "measure", "on", "services", "legal basis")
        for c in d["clauses"]:
            t.add_row(
                c["id"],
                c["effect"],
                c["measure"],
                c["on"],
                ", ".join(c["services"]),
                c["legal_basis"],
            )
    out.print(t)


def _show_rulebook(b: Any) -> None:
    out.print(f"kind {b.kind}, base {b.base}, range {b.low}..{b.high}")
    g = Table("grade", "min", "max", "title")
    for x in b.grades:
        g.add_row(
            x.grade,
            str(x.low if x.low is not None else b.low),
            str(x.high if x.high is not None else b.high),
            x.title,
        )
    out.print(g)
    r = Table("rule", "conduct", "points", "lasts", "cap", "evidence", "authorities", "legal basis")
    for rule in b.rules:
        r.add_row(
            rule.code,
            rule.conduct or "-",
            f"{rule.points:+d}",
            rule.lasts.iso() if rule.lasts else "-",
            rule.cap_grade or "-",
            ", ".join(rule.evidence),
            ", ".join(rule.authorities),
            rule.legal_basis,
        )
    out.print(r)
    for f in b.factors:
        bins = ", ".join(f"≥{bn.start}: {bn.points}" for bn in f.bins)
        out.print(f"factor {f.code} ({f.measure}): {bins}; no records: {f.empty_points}")
    for p in b.perks:
        when = ", ".join(p.grades) if p.grades else f"score ≥ {p.min_score}"
        out.print(f"perk {p.code}: {p.title} [{when}]")


@rulebook_app.command("publish")
@handled
def rulebook_publish(
    file: Annotated[Path, typer.Argument(metavar="FILE")], as_json: JsonOpt = False
) -> None:
    """Publish a new version of a document of any kind after the whole check against
    what the store has published; it takes effect no earlier than today. Every reason
    for a refusal is printed; exit 1 (policy) or 2 (malformed, unknown reference)."""
    from socialcredit.core.documents import doc_id
    from socialcredit.core.errors import PolicyRefused, RulebookInvalid

    text = _read(file)
    try:
        book, created = _app().publish(text, str(file))
    except (PolicyRefused, RulebookInvalid) as exc:
        found = [f for f in exc.findings if isinstance(f, dict)]
        if not found:
            raise
        results = [
            {"file": str(file), "severity": "error", **f} | {"file": str(file)} for f in found
        ]
        _findings_out(results, as_json, "")
        return
    if as_json:
        _print_json({"id": doc_id(book), "version": book.version, "created": created})
    else:
        out.print(
            f"{'published' if created else 'already published'} {doc_id(book)} {book.version}"
        )


@ledger_app.command("verify")
@handled
def ledger_verify(as_json: JsonOpt = False) -> None:
    """Walk the hash chain; name the first entry that does not verify (exit 1)."""
    n, problem = _app().verify()
    if as_json:
        _print_json(
            {
                "ok": problem is None,
                "entries": n,
                "first_bad": problem.event_id if problem else None,
                "message": problem.message if problem else None,
            }
        )
    elif problem is None:
        out.print(f"ok: {n} entries verify")
    else:
        err.print(f"FAILED: {problem.message}", markup=False)
    if problem is not None:
        raise typer.Exit(1)


# -- lists, services, checks -----------------------------------------------------------
def _fields(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"--field {pair!r}: expected KEY=VALUE", field="field")
        out[key.strip()] = value
    return out


@list_app.command("propose")
@handled
def list_propose(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    list_id: Annotated[str, typer.Option("--list", help="List id, e.g. court-defaulters.")],
    authority: Annotated[str, typer.Option(help="Authority maintaining the list.")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    evidence: Annotated[str | None, typer.Option(help="Evidence document reference.")] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="KEY=VALUE, repeatable.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Propose a list entry; it restricts nothing until notified and the notice passes."""
    day = _day(occurred, "occurred")
    r = _app().list_propose(
        ident,
        list_id,
        authority=authority,
        evidence_ref=evidence,
        occurred=day,
        fields=_fields(field or []),
    )
    if as_json:
        _print_json({"entry": r.event, "created": r.created})
    else:
        out.print(f"{'proposed' if r.created else 'already proposed as'} entry {r.event}")


def _step(
    step: str, entry: int, authority: str, evidence: str | None, occurred: str, as_json: bool
) -> None:
    day = _day(occurred, "occurred")
    done = _app().list_transition(
        entry, step, authority=authority, evidence_ref=evidence, occurred=day
    )
    if as_json:
        _print_json({"entry": entry, "events": done})
    else:
        out.print(f"entry {entry}: {step} recorded as event(s) {', '.join(map(str, done))}")


@list_app.command("notify")
@handled
def list_notify(
    entry: Annotated[int, typer.Argument(metavar="ENTRY")],
    authority: Annotated[str, typer.Option(help="Authority maintaining the list.")],
    occurred: Annotated[str, typer.Option(help="Date the subject was notified.")],
    evidence: Annotated[str | None, typer.Option(help="The notice served.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record that the subject was notified; the entry takes effect after the notice period."""
    _step("notify", entry, authority, evidence, occurred, as_json)


@list_app.command("remedy")
@handled
def list_remedy(
    entry: Annotated[int, typer.Argument(metavar="ENTRY")],
    authority: Annotated[str, typer.Option(help="Authority maintaining the list.")],
    occurred: Annotated[str, typer.Option(help="Date of fulfilment.")],
    evidence: Annotated[str | None, typer.Option(help="Evidence of fulfilment.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record fulfilment: the entry is removed in the same transaction."""
    _step("remedy", entry, authority, evidence, occurred, as_json)


@list_app.command("consent")
@handled
def list_consent(
    entry: Annotated[int, typer.Argument(metavar="ENTRY")],
    subject: Annotated[str, typer.Option(help="The listed subject (only they may consent).")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    withdraw: Annotated[bool, typer.Option(help="Withdraw consent instead of giving it.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Give or withdraw consent to appear on a red list's public board."""
    day = _day(occurred, "occurred")
    ev = _app().list_consent(entry, subject, not withdraw, day)
    if as_json:
        _print_json({"entry": entry, "event": ev, "consent": not withdraw})
    else:
        out.print(f"entry {entry}: consent {'withdrawn' if withdraw else 'given'} (event {ev})")


@list_app.command("show")
@handled
def list_show(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    as_of: Annotated[str | None, typer.Option(help="Date for the status (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A subject's list entries with their status, dates and remedies."""
    application = _app()
    day = _date(as_of, "as-of") or application.settings.clock().date()
    entries = application.list_entries(ident)
    if as_json:
        _print_json(
            {
                "subject": ident.upper(),
                "as_of": day.isoformat(),
                "entries": [entry_json(e, day) for e in entries],
            }
        )
        return
    t = Table("entry", "list", "status", "proposed", "in effect from", "max end", "fields")
    for e in entries:
        t.add_row(
            str(e.entry),
            e.list,
            e.status(day),
            str(e.proposed),
            str(e.effective_from or "-"),
            str(e.max_end or "-"),
            "; ".join(f"{k}={v}" for k, v in e.fields.items()),
        )
    out.print(t)


@app.command()
@handled
def services(as_json: JsonOpt = False) -> None:
    """Registered services (with sectors) and the verifiers allowed to ask about them."""
    reg = _app().registry()
    svc, ver = reg.services, reg.verifiers
    if as_json:
        _print_json(
            {
                "services": [
                    {"id": s.id, "sector": s.sector, "title": s.title} for s in svc.values()
                ],
                "verifiers": [
                    {"id": v.id, "title": v.title, "services": list(v.services)}
                    for v in ver.values()
                ],
            }
        )
        return
    t = Table("service", "sector", "title", "verifiers")
    for s in svc.values():
        t.add_row(
            s.id, s.sector, s.title, ", ".join(v.id for v in ver.values() if s.id in v.services)
        )
    out.print(t)


@app.command()
@handled
def check(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    service: Annotated[str, typer.Option(help="The verifier's service, e.g. flight.")],
    verifier: Annotated[str, typer.Option(help="Verifier id, e.g. airline-demo.")],
    purpose: Annotated[str | None, typer.Option(help="Why the verifier asks (required).")] = None,
    as_of: Annotated[str | None, typer.Option(help="Date (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A verifier's yes/no: decision and reason codes only, never score, grade or record."""
    d = _app().check(
        ident, service, verifier=verifier, purpose=purpose, as_of=_date(as_of, "as-of")
    )
    reasons = [
        {
            "code": r.code,
            "clause": r.clause,
            "memorandum": r.memorandum,
            "basis": r.basis,
            "until": r.until.isoformat() if r.until else None,
            "remedy": r.remedy,
        }
        for r in d.reasons
    ]
    if as_json:
        _print_json(
            {
                "subject": d.subject,
                "service": d.service,
                "as_of": d.as_of.isoformat(),
                "decision": d.decision,
                "reasons": reasons,
            }
        )
        return
    out.print(f"[bold]{d.decision.upper()}[/] {d.service} for {d.subject} on {d.as_of}")
    for r in reasons:
        out.print(
            f"  {r['code']}: {r['basis']}; until {r['until'] or 'while it holds'}; {r['remedy']}",
            markup=False,
        )


# -- disputes, time, access, transparency ------------------------------------------------
dispute_app = typer.Typer(
    help="Disputes with deadlines that bind the authorities.", no_args_is_help=True
)
log_app = typer.Typer(help="The Merkle transparency log: heads and proofs.", no_args_is_help=True)
app.add_typer(dispute_app, name="dispute")
app.add_typer(log_app, name="log")


def _dispute_out(state: Any, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    body = dispute_json(state, _app().settings.clock().date()) | (extra or {})
    if as_json:
        _print_json(body)
    else:
        out.print(
            f"dispute {body['dispute']} on item {body['item']}: {body['status']}, "
            f"deadline {body['deadline'] or '-'}",
            markup=False,
        )


@dispute_app.command("open")
@handled
def dispute_open(
    item: Annotated[int, typer.Argument(metavar="ITEM_ID", help="Event or list-entry id.")],
    subject: Annotated[str, typer.Option(help="The disputing subject's ID.")],
    statement: Annotated[str, typer.Option(help="What is wrong, in the subject's words.")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    evidence: Annotated[str | None, typer.Option(help="Supporting evidence reference.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Dispute an event or list entry; the issuing authority is notified at once."""
    d = _app().dispute_open(
        item,
        subject=subject,
        statement=statement,
        evidence_ref=evidence,
        occurred=_day(occurred, "occurred"),
    )
    if as_json:
        _print_json({"dispute": d, "item": item})
    else:
        out.print(f"opened dispute {d} on item {item}")


@dispute_app.command("add-info")
@handled
def dispute_add_info(
    dispute: Annotated[int, typer.Argument(metavar="DISPUTE")],
    subject: Annotated[str, typer.Option(help="The disputing subject's ID.")],
    statement: Annotated[str, typer.Option(help="The new information.")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    evidence: Annotated[str | None, typer.Option(help="Supporting evidence reference.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add information; within the first 30 days it extends the deadline to 45 days."""
    ev = _app().dispute_add_info(
        dispute,
        subject=subject,
        statement=statement,
        evidence_ref=evidence,
        occurred=_day(occurred, "occurred"),
    )
    if as_json:
        _print_json({"dispute": dispute, "event": ev})
    else:
        out.print(f"dispute {dispute}: information recorded (event {ev})")


@dispute_app.command("decide")
@handled
def dispute_decide(
    dispute: Annotated[int, typer.Argument(metavar="DISPUTE")],
    reviewer: Annotated[str, typer.Option(help="Reviewer id, e.g. rongcheng-review-board.")],
    outcome: Annotated[str, typer.Option(help="upheld, annulled or amended.")],
    reason: Annotated[str, typer.Option(help="Why (shown to the subject).")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    excuse: Annotated[
        str | None, typer.Option(help="Accept an excusing circumstance the rule declares.")
    ] = None,
    rule: Annotated[str | None, typer.Option(help="The corrected rule, for amended.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Decide a dispute before its deadline; annulled/amended write the correction too."""
    ids = _app().dispute_decide(
        dispute,
        reviewer=reviewer,
        outcome=outcome,
        reason=reason,
        occurred=_day(occurred, "occurred"),
        excuse=excuse,
        amend_rule=rule,
    )
    if as_json:
        _print_json({"dispute": dispute, "outcome": outcome, "events": ids})
    else:
        out.print(f"dispute {dispute}: {outcome} (events {', '.join(map(str, ids))})")


@dispute_app.command("appeal")
@handled
def dispute_appeal(
    dispute: Annotated[int, typer.Argument(metavar="DISPUTE")],
    subject: Annotated[str, typer.Option(help="The disputing subject's ID.")],
    statement: Annotated[str, typer.Option(help="Grounds of appeal.")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    as_json: JsonOpt = False,
) -> None:
    """Appeal an upheld dispute once, to a second reviewer (30 more days)."""
    ev = _app().dispute_appeal(
        dispute, subject=subject, statement=statement, occurred=_day(occurred, "occurred")
    )
    if as_json:
        _print_json({"dispute": dispute, "event": ev})
    else:
        out.print(f"dispute {dispute}: appealed (event {ev})")


@dispute_app.command("show")
@handled
def dispute_show(
    dispute: Annotated[int, typer.Argument(metavar="DISPUTE")], as_json: JsonOpt = False
) -> None:
    """A dispute's status, deadlines and decisions."""
    _dispute_out(_app().dispute_show(dispute), as_json)


@app.command()
@handled
def tick(
    as_of: Annotated[str, typer.Option(help="Date up to which to write down due consequences.")],
    as_json: JsonOpt = False,
) -> None:
    """Materialise lapsed disputes (annulled for the subject) and due erasures; idempotent."""
    r = _app().tick(_day(as_of, "as-of"))
    if as_json:
        _print_json({"as_of": as_of, "lapsed": r.lapsed, "erased": r.erased})
    else:
        out.print(f"{r.lapsed} dispute(s) lapsed, {r.erased} subject(s) erased")


@app.command()
@handled
def access(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    as_of: Annotated[str | None, typer.Option(help="Date (default today).")] = None,
    html: Annotated[
        Path | None, typer.Option(help="Also write the record as an HTML page.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Everything recorded about a subject, who looked at it, and every decision given."""
    record = _app().access(ident, _date(as_of, "as-of"))
    if html is not None:
        from socialcredit.web.render import render_access

        html.write_text(render_access(record), encoding="utf-8")
    if as_json:
        _print_json(record)
        return
    out.print(
        f"[bold]{record['subject']}[/] ({record['kind']}, {record['name']}) as of {record['as_of']}"
    )
    for r in record["reports"]:
        out.print(f"  {r['scheme']}: score {r['score']}, grade {r['grade']}")
    out.print(
        f"  {len(record['events'])} events ({record['retired_events']} past retention), "
        f"{len(record['list_entries'])} list entries, {len(record['disputes'])} disputes, "
        f"{len(record['decisions'])} decisions given, "
        f"{len(record['access_records'])} access records"
    )
    if html is not None:
        out.print(f"  written to {html}")


def _emit_proof(
    head: dict[str, Any],
    proof: dict[str, Any],
    head_out: Path | None,
    proof_out: Path | None,
    as_json: bool,
) -> None:
    """Write the head and the proof to files if asked, else print both as one document."""
    if head_out or proof_out:
        _write_or_print(head, head_out)
        _write_or_print(proof, proof_out)
    if as_json or not (head_out or proof_out):
        _print_json({"head": head, "proof": proof})


def _write_or_print(obj: dict[str, Any], path: Path | None) -> None:
    text = json.dumps(obj, indent=2)
    if path is None:
        print(text)
    else:
        path.write_text(text + "\n", encoding="utf-8")


@log_app.command("head")
@handled
def log_head(as_json: JsonOpt = False) -> None:
    """Sign and print the current tree head (with the log's public key)."""
    from socialcredit.transparency.heads import head_to_json

    head, public = _app().log_head()
    body = head_to_json(head) | {"public_key": public.hex()}
    if as_json:
        _print_json(body)
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
    head, proof = _app().log_prove_inclusion(event_id)
    _emit_proof(head, proof, head_out, proof_out, as_json)


@log_app.command("prove-consistency")
@handled
def log_prove_consistency(
    old_size: Annotated[int, typer.Argument(metavar="OLD_SIZE")],
    new_size: Annotated[int, typer.Argument(metavar="NEW_SIZE")],
    head_out: Annotated[
        Path | None, typer.Option("--head-out", help="Write the head here.")
    ] = None,
    proof_out: Annotated[
        Path | None, typer.Option("--proof-out", help="Write the proof here.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A signed head of NEW_SIZE and the proof that it extends the first OLD_SIZE entries."""
    head, proof = _app().log_prove_consistency(old_size, new_size)
    _emit_proof(head, proof, head_out, proof_out, as_json)


@log_app.command("verify")
@handled
def log_verify(
    head: Annotated[Path, typer.Option(help="Signed tree head JSON (or {head, proof}).")],
    public_key: Annotated[str, typer.Option(help="The log's Ed25519 public key, hex.")],
    proof: Annotated[Path | None, typer.Option(help="Proof JSON, if not inside --head.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a proof against a head with nothing but them and the public key (no store)."""
    from socialcredit.transparency.heads import parse_documents, verify_proof_document

    def load(path: Path) -> Any:
        try:
            return json.loads(_read(path))
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path}: not JSON: {exc}", field="file") from None

    doc = load(head)
    if proof is None:
        if not isinstance(doc, dict) or "proof" not in doc or "head" not in doc:
            raise BadInput("--head must hold {head, proof} when --proof is not given")
        head_doc, proof_doc = doc["head"], doc["proof"]
    else:
        head_doc, proof_doc = doc, load(proof)
    try:
        key = bytes.fromhex(public_key)
    except ValueError:
        raise BadInput("--public-key: not valid hex", field="public-key") from None
    try:
        parse_documents(head_doc, proof_doc)
    except ValueError as exc:
        raise BadInput(f"malformed proof document: {exc}", field="proof") from None
    ok, reason = verify_proof_document(key, head_doc, proof_doc)
    if as_json:
        _print_json({"ok": ok, "reason": reason})
    elif ok:
        out.print(f"ok: {reason}")
    else:
        err.print(f"FAILED: {reason}", markup=False)
    if not ok:
        raise typer.Exit(1)


# -- the service ---------------------------------------------------------------------------
token_app = typer.Typer(help="API tokens bound to a principal and a role.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("issue")
@handled
def token_issue(
    role: Annotated[
        str, typer.Option(help="admin, registrar, verifier, reviewer, subject, auditor")
    ],
    principal: Annotated[
        str, typer.Option(help="Authority id, verifier id, reviewer id, subject ID or a name.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Issue a token (printed once; only its hash is stored)."""
    token = _app().issue_token(role, principal)
    if as_json:
        _print_json({"token": token, "role": role, "principal": principal})
    else:
        out.print(token, markup=False, highlight=False)


@app.command()
@handled
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the HTTP API and the web pages for an existing store."""
    import gc

    import uvicorn

    from socialcredit.api.app import create_app

    application = _app()
    with application.store.transaction() as conn:
        if not application.store.is_initialised(conn):
            raise BadInput("the store is not initialised: run `socialcredit init` first")
    err.print(
        f"serving {application.settings.db_url} on http://{host}:{port}/  "
        f"(pages: /counter /desk /verify /review /stats /log; API: /docs)"
    )
    service = create_app(application.settings, application.store)
    # Everything loaded so far lives for the whole process: moving it out of the
    # collector's reach keeps full collections short, which is what the tail latency
    # of a busy server is made of.
    gc.collect()
    gc.freeze()
    uvicorn.run(
        service,
        host=host,
        port=port,
        log_level="warning",
    )


# -- whole populations ------------------------------------------------------------------
batch_app = typer.Typer(help="Score whole populations with DuckDB or Spark.", no_args_is_help=True)
population_app = typer.Typer(
    help="Synthetic cities for batch runs and simulations.", no_args_is_help=True
)
app.add_typer(batch_app, name="batch")
app.add_typer(population_app, name="population")


def _book_for(scheme: str | None, rulebook: Path | None) -> Any:
    from socialcredit.application import packaged_rulebooks
    from socialcredit.core.rulebook import document_kind, parse_rulebook

    if rulebook is not None:
        return parse_rulebook(_read(rulebook))
    for _, text in packaged_rulebooks():
        if document_kind(text) in ("points", "scorecard"):
            book = parse_rulebook(text)
            if book.scheme == scheme:
                return book
    raise BadInput(f"unknown scheme {scheme!r} (give --rulebook FILE for others)", field="scheme")


@batch_app.command("score")
@handled
def batch_score(
    out_file: Annotated[Path, typer.Option("--out", help="Output Parquet file.")],
    as_of: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    scheme: Annotated[str | None, typer.Option(help="A shipped scheme id.")] = None,
    rulebook: Annotated[Path | None, typer.Option(help="Or a rulebook file.")] = None,
    events: Annotated[Path | None, typer.Option(help="Input Parquet of events.")] = None,
    from_store: Annotated[
        bool,
        typer.Option(
            "--from-store",
            help="Read the events and every registered subject from the store (--db).",
        ),
    ] = False,
    subjects: Annotated[
        Path | None,
        typer.Option(
            help="Parquet of subjects (subject[, kind]) to score too: those with no events "
            "get the base score."
        ),
    ] = None,
    engine: Annotated[str, typer.Option(help="duckdb or spark")] = "duckdb",
    as_json: JsonOpt = False,
) -> None:
    """Score every subject in an events file (and a roster): subject, score, grade, capped."""
    import time

    from socialcredit.batch import engines

    if engine not in ("duckdb", "spark"):
        raise BadInput("--engine must be duckdb or spark", field="engine")
    book = _book_for(scheme, rulebook)
    day = _day(as_of, "as-of")
    with Progress(
        "[progress.description]{task.description}",
        TimeElapsedColumn(),
        console=err,
        disable=as_json or not err.is_terminal,
    ) as bar:
        if from_store:
            bar.add_task("exporting events from the store", total=None)
            events = out_file.with_suffix(".events.parquet")
            roster = out_file.with_suffix(".subjects.parquet")
            _export_store(book.scheme, events, roster)
            subjects = subjects or roster
        if events is None:
            raise BadInput("give --events FILE or --from-store", field="events")
        bar.add_task(f"scoring with {engine}", total=None)
        t0 = time.perf_counter()
        if engine == "duckdb":
            engines.score_duckdb(book, events, day, out_file, subjects=subjects)
        else:
            engines.score_spark(book, events, day, out_file, subjects=subjects)
        seconds = time.perf_counter() - t0
    body = {
        "out": str(out_file),
        "engine": engine,
        "scheme": book.scheme,
        "as_of": day.isoformat(),
        "seconds": round(seconds, 3),
    }
    if as_json:
        _print_json(body)
    else:
        out.print(f"scored {book.scheme} with {engine} in {seconds:.2f} s -> {out_file}")


def _export_store(scheme: str, events_path: Path, subjects_path: Path) -> None:
    """The store's events of one scheme and its registered subjects, as batch inputs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from socialcredit.batch.population import EVENT_SCHEMA

    events, people = _app().batch_input(scheme)
    columns: dict[str, list[Any]] = {name: [] for name in EVENT_SCHEMA.names}
    for row in events:
        for name, value in zip(EVENT_SCHEMA.names, row, strict=True):
            columns[name].append(value)
    pq.write_table(pa.table(columns, schema=EVENT_SCHEMA), events_path)
    pq.write_table(
        pa.table(
            {
                "subject": pa.array([p for p, _ in people], pa.string()),
                "kind": pa.array([k for _, k in people], pa.string()),
            }
        ),
        subjects_path,
    )


@population_app.command("generate")
@handled
def population_generate(
    residents: Annotated[int, typer.Option(min=1, max=20_000_000)],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")],
    organisations: Annotated[int, typer.Option(min=0, max=5_000_000)] = 0,
    seed: Annotated[int, typer.Option()] = 1,
    as_json: JsonOpt = False,
) -> None:
    """Generate a synthetic city: subjects, events and simulation-only attributes."""
    import time

    from socialcredit.batch.population import generate

    with Progress(
        "[progress.description]{task.description}",
        TimeElapsedColumn(),
        console=err,
        disable=as_json or not err.is_terminal,
    ) as bar:
        bar.add_task(f"generating {residents:,} residents", total=None)
        t0 = time.perf_counter()
        pop = generate(residents, organisations, seed, out_dir)
        seconds = time.perf_counter() - t0
    events = pop.person_events + pop.organisation_events
    body = {
        "residents": residents,
        "organisations": organisations,
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_second": round(events / seconds),
        "folder": str(out_dir),
    }
    if as_json:
        _print_json(body)
    else:
        out.print(
            f"{residents:,} residents, {organisations:,} organisations, {events:,} events "
            f"in {seconds:.2f} s ({events / seconds:,.0f} events/s) -> {out_dir}"
        )


@app.command()
@handled
def simulate(
    population: Annotated[Path, typer.Option(help="Folder from `population generate`.")],
    rulebook: Annotated[Path, typer.Option(help="Rulebook A (TOML).")],
    as_of: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    report: Annotated[Path, typer.Option(help="Folder for report.html and report.json.")],
    compare: Annotated[Path | None, typer.Option(help="Rulebook B to compare with A.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """What a rulebook (change) does to everyone: charts and a fairness section."""
    from socialcredit.batch.simulate import simulate as run

    with Progress(
        "[progress.description]{task.description}",
        TimeElapsedColumn(),
        console=err,
        disable=as_json or not err.is_terminal,
    ) as bar:
        bar.add_task("simulating", total=None)
        doc = run(population, rulebook, _day(as_of, "as-of"), report, compare)
    if as_json:
        _print_json(doc)
        return
    out.print(
        f"{doc['subjects']:,} subjects; {100 * doc['a_or_better_a']:.1f}% A or better; "
        f"{100 * doc['sanctioned_a']:.2f}% denied at one service or more; "
        f"report: {report / 'report.html'}"
    )
    for attribute, result in doc["fairness"].items():
        flag = "FLAG" if result["flag"] else "ok"
        flag_s = "FLAG" if result["flag_sanctioned"] else "ok"
        out.print(
            f"  disparate impact by {attribute}: A or better "
            f"{result['disparate_impact_a_or_better']:.3f} {flag}, sanctioned "
            f"{result['disparate_impact_sanctioned']:.3f} {flag_s}"
        )


# -- demo -------------------------------------------------------------------------------
@app.command()
@handled
def demo(
    residents: Annotated[int, typer.Option(min=1, max=2_000_000)] = 2000,
    organisations: Annotated[int | None, typer.Option(min=0)] = None,
    seed: Annotated[int, typer.Option()] = 7,
    chart: Annotated[
        Path, typer.Option(help="Where to write the grade chart (.svg or .png).")
    ] = Path("demo-grades.svg"),
    as_json: JsonOpt = False,
) -> None:
    """Create a seeded demo city, record its events in bulk, show the grade distribution."""
    from socialcredit.charts import write_bar_chart
    from socialcredit.demo import city_events, make_city

    application = _app()
    application.init()
    today = application.settings.clock().date()
    n_orgs = residents // 50 if organisations is None else organisations
    city = make_city(residents, n_orgs, seed, today)
    application.add_subjects(city.residents + city.organisations)
    events = list(city_events(city))
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=as_json or not err.is_terminal,
    ) as bar:
        task = bar.add_task("recording events", total=len(events))
        result = application.record_many(
            events, chunk=5_000, progress=lambda n: bar.advance(task, n)
        )
    dist = application.grade_distribution("rongcheng", today)
    order = [g.grade for g in application.rulebook("rongcheng")[-1].grades]
    total = sum(dist.values()) or 1
    a_or_better = sum(dist.get(g, 0) for g in ("AAA", "AA", "A"))
    write_bar_chart(chart, dist, order, f"rongcheng grades of {total:,} residents on {today}")
    if as_json:
        _print_json(
            {
                "residents": residents,
                "organisations": n_orgs,
                "events_created": result.created,
                "events_existing": result.existing,
                "grades": {g: dist.get(g, 0) for g in order},
                "a_or_better": a_or_better / total,
                "chart": str(chart),
            }
        )
        return
    t = Table("grade", "residents", "share", title=f"rongcheng grades on {today}")
    for g in order:
        t.add_row(g, f"{dist.get(g, 0):,}", f"{100 * dist.get(g, 0) / total:.1f}%")
    out.print(t)
    out.print(
        f"{result.created:,} events recorded ({result.existing:,} already there); "
        f"{100 * a_or_better / total:.1f}% of residents grade A or better; chart: {chart}"
    )


def main() -> None:
    """Console entry point: no input ever produces a traceback."""
    try:
        app()
    except SocialCreditError as exc:  # pragma: no cover - commands handle their own
        err.print(f"error: {exc.message}", markup=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
