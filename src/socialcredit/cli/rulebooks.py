"""Checking, showing and publishing documents of every kind: schemes, lists, memoranda,
the conduct catalogue and the measures list."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from socialcredit.application.results import DocumentPublished
from socialcredit.application.views import DocumentView
from socialcredit.cli.common import (
    JsonOpt,
    app,
    err,
    handled,
    op,
    open_app,
    out,
    print_json,
    read_text,
    table,
)

rulebook_app = typer.Typer(
    help="Check, show and publish documents of every kind.", no_args_is_help=True
)
memo_app = typer.Typer(help="Check memoranda of joint sanctions and rewards.", no_args_is_help=True)
app.add_typer(rulebook_app, name="rulebook")
app.add_typer(memo_app, name="memo")


def _findings_out(results: list[dict[str, str]], as_json: bool, ok_line: str) -> None:
    """Print findings one per line (or as JSON) and exit: 2 if any is bad input (a
    malformed file, an unknown catalogue entry or measure), 1 on other errors."""
    from socialcredit.core.policy import INPUT_CODES

    errors = [r for r in results if r["severity"] == "error"]
    if as_json:
        print_json({"ok": not errors, "findings": results})
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
        [(str(p), read_text(p)) for p in files],
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

    versions = open_app().documents.documents(ident)
    if as_json:
        docs = [DocumentView.of(d, at).model_dump(mode="json") for d, at in versions]
        body: dict[str, Any] = {"id": ident, "kind": docs[-1]["kind"], "versions": docs}
        if docs[-1]["kind"] in ("points", "scorecard"):
            body["scheme"] = ident
        print_json(body)
        return
    out.print(f"[bold]{ident}[/]: {len(versions)} version(s)", highlight=False)
    for doc, at in versions:
        d = DocumentView.of(doc, at).model_dump(mode="json")
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
        t = table("entry", "conduct", "severity", "points", "longest", "recorded by", "legal basis")
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
        t = table("measure", "effect", "sectors", "follows", "legal basis")
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
        t = table("clause", "effect", "measure", "on", "services", "legal basis")
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
    g = table("grade", "min", "max", "title")
    for x in b.grades:
        g.add_row(
            x.grade,
            str(x.low if x.low is not None else b.low),
            str(x.high if x.high is not None else b.high),
            x.title,
        )
    out.print(g)
    r = table("rule", "conduct", "points", "lasts", "cap", "evidence", "authorities", "legal basis")
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

    text = read_text(file)
    try:
        book, created = open_app().documents.publish(op(), text, str(file))
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
        done = DocumentPublished(id=doc_id(book), version=book.version, created=created)
        print_json(done.model_dump())
    else:
        out.print(
            f"{'published' if created else 'already published'} {doc_id(book)} {book.version}"
        )
