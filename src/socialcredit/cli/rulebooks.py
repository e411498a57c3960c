"""Checking, showing and publishing rulebooks and memoranda."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socialcredit.application.results import DocumentPublished
from socialcredit.cli.common import (
    JsonOpt,
    app,
    err,
    handled,
    open_app,
    out,
    print_json,
    read_text,
    table,
)
from socialcredit.core.errors import BadInput
from socialcredit.wire import rulebook_json

rulebook_app = typer.Typer(help="Check, show and publish rulebooks.", no_args_is_help=True)
memo_app = typer.Typer(help="Check memoranda of joint sanctions and rewards.", no_args_is_help=True)
app.add_typer(rulebook_app, name="rulebook")
app.add_typer(memo_app, name="memo")


def _check_files(
    files: list[Path], max_penalty_years: int, strict_context: bool, as_json: bool
) -> None:
    """Shared by `rulebook check` and `memo check`: findings per file, exit 1 on errors."""
    from socialcredit.application import packaged_rulebooks
    from socialcredit.core.documents import check_documents, parse_document
    from socialcredit.core.lint import LintConfig

    named = {p.name for p in files}
    context = [parse_document(t) for n, t in packaged_rulebooks() if n not in named]
    found = check_documents(
        [(str(p), read_text(p)) for p in files],
        context,
        config=LintConfig(max_negative_lasts_days=max_penalty_years * 366),
        strict_context=strict_context,
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
    errors = [r for r in results if r["severity"] == "error"]
    if as_json:
        print_json({"ok": not errors, "findings": results})
    else:
        for r in results:
            where = f"{r['path']}: " if r["path"] else ""
            line = f"{r['file']}: {where}{r['severity']} {r['code']}: {r['message']}"
            (err if r["severity"] == "error" else out).print(line, markup=False, highlight=False)
        if not errors:
            out.print(f"ok: {len(files)} file(s), {len(results)} warning(s)")
    if errors:
        raise typer.Exit(1)


@rulebook_app.command("check")
@handled
def rulebook_check(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...")],
    max_penalty_years: Annotated[
        int, typer.Option(help="Longest allowed effect of a negative rule, in years.")
    ] = 5,
    strict_context: Annotated[
        bool, typer.Option(help="Sanctions in unrelated sectors are errors, not warnings.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate rulebooks, lists and memoranda against format and policy; exit 1 on errors."""
    _check_files(files, max_penalty_years, strict_context, as_json)


@memo_app.command("check")
@handled
def memo_check(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...")],
    strict_context: Annotated[
        bool, typer.Option(help="Sanctions in unrelated sectors are errors, not warnings.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check memoranda (and lists) including the relatedness of every sanction."""
    _check_files(files, 5, strict_context, as_json)


@rulebook_app.command("show")
@handled
def rulebook_show(
    scheme: Annotated[str, typer.Argument(metavar="SCHEME")], as_json: JsonOpt = False
) -> None:
    """Show the published versions of a scheme, readably."""
    versions = open_app().rulebook(scheme)
    if as_json:
        print_json({"scheme": scheme, "versions": [rulebook_json(v) for v in versions]})
        return
    for b in versions:
        out.print(f"[bold]{b.title}[/] ({b.scheme} {b.version}, effective {b.effective})")
        out.print(f"publisher: {b.publisher}; legal basis: {b.legal_basis}")
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
        r = table("rule", "points", "lasts", "cap", "evidence", "authorities", "legal basis")
        for rule in b.rules:
            r.add_row(
                rule.code,
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
    """Publish a new rulebook, list or memorandum version (after it passes the checks)."""
    from socialcredit.application import packaged_rulebooks
    from socialcredit.core.documents import check_documents, doc_id, parse_document

    text = read_text(file)
    context = [parse_document(t) for _, t in packaged_rulebooks()]
    problems = [
        f.finding
        for f in check_documents([(str(file), text)], context)
        if f.finding.severity == "error"
    ]
    if problems:
        first = problems[0]
        raise BadInput(
            f"{file}: refused, {len(problems)} policy error(s); first: {first.path}: "
            f"{first.code}: {first.message}"
        )
    book, created = open_app().publish(text)
    if as_json:
        done = DocumentPublished(id=doc_id(book), version=book.version, created=created)
        print_json(done.model_dump())
    else:
        out.print(
            f"{'published' if created else 'already published'} {doc_id(book)} {book.version}"
        )
