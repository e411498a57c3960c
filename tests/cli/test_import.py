"""`socialcredit import`: bulk import over worker processes, resumable, all-or-nothing chunks."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, text
from tests.conftest import OP, raw_sql
from typer.testing import CliRunner

from socialcredit.application import Actor, Application
from socialcredit.cli import app as cli
from socialcredit.core.ids import synthetic_resident_ids
from socialcredit.settings import Settings

NOW = datetime(2024, 6, 1, tzinfo=UTC)
PEOPLE = synthetic_resident_ids(30, 4)
HEADER = ["subject", "rule", "occurred", "scheme", "authority", "evidence"]
RULES = [
    ("traffic-violation", "rongcheng-traffic-police"),
    ("volunteer-service", "rongcheng-credit-office"),
]
runner = CliRunner()


def rows(n: int, start: int = 0) -> list[list[str]]:
    out = []
    for i in range(start, start + n):
        rule, authority = RULES[i % 2]
        out.append(
            [
                PEOPLE[i % len(PEOPLE)],
                rule,
                f"2024-0{1 + i % 5}-1{i % 10}",
                "rongcheng",
                authority,
                f"doc/{i}",
            ]
        )
    return out


def write_csv(path: Path, body: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(body)
    return path


def setup(url: str) -> Application:
    application = Application(Settings(db_url=url, clock=lambda: NOW))
    application.documents.init(OP)
    application.records.add_subjects(OP, [(p, "person", "Resident") for p in PEOPLE])
    return application


def ledger(url: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        got = conn.execute(
            text(
                "SELECT id, subject, rule, occurred, points, ends, evidence_ref, dedup, hash "
                "FROM events ORDER BY id"
            )
        ).all()
    engine.dispose()
    return [tuple(str(v) for v in r) for r in got]


def opened(application: Application) -> list[tuple]:
    out = []
    for p in PEOPLE:
        for e in application.records.history(OP, p):
            out.append(
                (e.event, e.subject, e.rule, e.occurred, e.points, e.ends, e.evidence, e.version)
            )
    return sorted(out)


def chunks(body: list[list[str]], size: int):
    for i in range(0, len(body), size):
        part = body[i : i + size]
        yield i + 2, {name: [r[k] for r in part] for k, name in enumerate(HEADER)}


def test_import_equals_record_many_and_is_idempotent(db_url: str, tmp_path: Path) -> None:
    """Differential: the parallel import writes the very ledger record_many writes."""
    body = rows(120)
    imported = setup(db_url)
    chained = imported.integrity.verify()[0]  # the chain entries of publication and registration
    result = imported.imports.events(OP, chunks(body, 25), workers=2)
    assert (result.rows, result.created, result.existing, result.chunks) == (120, 120, 0, 5)
    other = setup(f"sqlite:///{tmp_path / 'reference.db'}")
    other.records.record_many(
        OP,
        (
            {
                "subject": r[0],
                "rule": r[1],
                "occurred": date.fromisoformat(r[2]),
                "scheme": r[3],
                "authority": r[4],
                "evidence_ref": r[5],
            }
            for r in body
        ),
    )
    # the same entries in the same order once opened (sealing uses fresh nonces and each
    # store its own secret, so the stored bytes differ by design)
    assert opened(imported) == opened(other)
    # personal fields are sealed at rest, as on every other write path
    assert not [r for r in ledger(db_url) if r[6].startswith("doc/")]
    assert imported.integrity.verify() == (chained + 120, None)
    again = imported.imports.events(OP, chunks(body, 25), workers=2)
    assert (again.created, again.existing) == (0, 120)
    assert imported.integrity.verify() == (chained + 120, None)
    with imported.store.transaction() as conn:
        writes = [
            r
            for p in PEOPLE
            for r in imported.store.access_for(conn, p)
            if r["action"] == "event.record"
        ]
    assert sum(len(json.loads(r["detail"])["events"]) for r in writes) == 120
    imported.store.close()
    other.store.close()


def test_a_bad_row_stops_at_its_chunk_and_a_rerun_resumes(db_url: str) -> None:
    body = rows(40)
    body[27][1] = "no-such-rule"  # file row 29, in the second chunk of 20
    application = setup(db_url)
    chained = application.integrity.verify()[0]
    with pytest.raises(Exception, match="row 29: unknown rule 'no-such-rule'"):
        application.imports.events(OP, chunks(body, 20), workers=2)
    # the first chunk only, nothing of the second
    assert application.integrity.verify() == (chained + 20, None)
    body[27][1] = "volunteer-service"
    body[27][4] = "rongcheng-credit-office"
    result = application.imports.events(OP, chunks(body, 20), workers=2)
    assert (result.created, result.existing) == (20, 20)
    assert application.integrity.verify() == (chained + 40, None)
    application.store.close()


def test_cli_csv_and_parquet(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    setup(url).store.close()
    path = write_csv(tmp_path / "events.csv", rows(50))
    res = runner.invoke(cli, ["--db", url, "import", str(path), "--chunk", "16", "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout[res.stdout.index("{") :])
    assert (body["rows"], body["created"], body["existing"], body["chunks"]) == (50, 50, 0, 4)
    table = pa.table({name: [r[k] for r in rows(30, 50)] for k, name in enumerate(HEADER)})
    table = table.append_column("event", pa.array(list(range(30)), pa.int64())).set_column(
        2, "occurred", pa.array([date.fromisoformat(r[2]) for r in rows(30, 50)])
    )
    pq.write_table(table, tmp_path / "more.parquet")
    res = runner.invoke(cli, ["--db", url, "import", str(tmp_path / "more.parquet"), "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout[res.stdout.index("{") :])
    assert (body["rows"], body["created"]) == (30, 30)
    res = runner.invoke(cli, ["--db", url, "import", str(path)])
    assert res.exit_code == 0 and "0 new event(s), 50 already recorded" in res.output


@pytest.mark.parametrize(
    ("header", "body", "message"),
    [
        ([*HEADER, "colour"], [[*rows(1)[0], "red"]], "unknown column(s) 'colour'"),
        (HEADER[1:], [r[1:] for r in rows(1)], "missing column(s) 'subject'"),
        (HEADER, [rows(1)[0][:4]], "row 2: 4 fields, the header has 6"),
        (HEADER, [[*rows(1)[0][:2], "2024-13-45", *rows(1)[0][3:]]], "row 2: "),
        (HEADER, [["123", *rows(1)[0][1:]]], "row 2: "),
        (HEADER, [[*rows(1)[0][:3], "no-scheme", *rows(1)[0][4:]]], "row 2: unknown scheme"),
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, header: list[str], body: list[list[str]], message: str
) -> None:
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    setup(url).store.close()
    before = ledger(url)  # the chain entries of publication and registration
    path = write_csv(tmp_path / "bad.csv", body, header)
    res = runner.invoke(cli, ["--db", url, "import", str(path)])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert ledger(url) == before


def test_cli_refuses_other_files(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    setup(url).store.close()
    (tmp_path / "e.json").write_text("{}")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    for name in ("e.json", "broken.parquet", "missing.csv"):
        res = runner.invoke(cli, ["--db", url, "import", str(tmp_path / name)])
        assert res.exit_code == 2, (name, res.output)
        assert "Traceback" not in res.output


def test_cli_quoted_fields_are_read_as_csv(tmp_path: Path) -> None:
    """A chunk with quotes is parsed as CSV; the others go to the workers as raw lines."""
    url = f"sqlite:///{tmp_path / 'q.db'}"
    setup(url).store.close()
    body = rows(12)
    body[7][5] = 'court file, "A" 7'
    path = write_csv(tmp_path / "quoted.csv", body)
    res = runner.invoke(cli, ["--db", url, "import", str(path), "--chunk", "5", "--json"])
    assert res.exit_code == 0, res.output
    application = Application(Settings(db_url=url, clock=lambda: NOW))
    refs = {r[6] for r in opened(application)}
    application.store.close()
    assert 'court file, "A" 7' in refs and len(refs) == 12


def test_the_workers_seal_an_entry_exactly_as_every_other_write_does() -> None:
    """``imports._sealed`` skips ``seal_event``'s constructor calls: it must seal the
    same fields, leave the others, and open to the same entry."""
    from socialcredit import sealing
    from socialcredit.application.import_worker import _sealed
    from socialcredit.core.ledger import Event

    key = sealing.new_key()
    e = Event(
        id=0,
        type="score",
        subject=PEOPLE[0],
        authority="a",
        occurred=date(2024, 1, 2),
        recorded="2024-06-01T00:00:00+00:00",
        scheme="rongcheng",
        rule="r",
        points=-5,
        evidence_ref="case 7",
        data={"x": 1},
    )
    sealer = sealing.Sealer(key, e.subject)
    fast = _sealed(sealer, key, e, "k1", e.subject)
    slow = sealing.seal_event(key, Event(**{**e.__dict__, "data": {"x": 1, "dedup": "k1"}}))
    assert sealing.is_sealed(fast.evidence_ref) and fast.evidence_ref != "case 7"
    assert sealing.open_event(key, fast) == sealing.open_event(key, slow)
    assert {c for c in e.__dict__ if getattr(fast, c) != getattr(slow, c)} == {"evidence_ref"}
    # With a reason (another sealed column) it is seal_event itself.
    with_reason = Event(**{**e.__dict__, "reason": "private"})
    assert sealing.is_sealed(_sealed(sealer, key, with_reason, "k1", e.subject).reason)
    # Stored under the pseudonym, sealed under the ID (the additional data).
    stored = _sealed(sealer, key, e, "k1", "p:stand-in")
    assert stored.subject == "p:stand-in"
    assert sealing.open_sealed(key, e.subject, stored.evidence_ref) == "case 7"


def test_an_imports_access_records_state_their_purpose_to_the_subject(db_url: str) -> None:
    """The purpose of an import's access records opens for the subject (issue 16 found it
    sealed under the pseudonym, the ledger's name, so the subject read ``[erased]``), and
    is sealed at rest."""
    application = setup(db_url)
    application.imports.events(Actor.operator("import test"), chunks(rows(40), 20), workers=2)
    with application.store.transaction() as conn:
        purposes = {
            r["purpose"]
            for p in PEOPLE[:10]
            for r in application.store.access_for(conn, p)
            if r["action"] == "event.record"
        }
    assert purposes == {"import test"}
    engine = create_engine(db_url)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT purpose FROM access_log WHERE action = 'event.record'")
        ).scalars()
        assert all(p.startswith("sealed:") for p in stored)
    engine.dispose()
    application.store.close()


def test_rows_with_and_without_an_evidence_digest_import_as_record_many_writes(
    db_url: str, tmp_path: Path
) -> None:
    """Rows with an evidence digest are encoded one by one, the others through a template
    (issue 16); an empty digest cell is no digest, as everywhere. A row repeated in a
    later chunk is one event, an empty evidence kind the rule's default. The two kinds
    of rows interleaved give record_many's ledger."""
    body = [[*r, ("ab" * 32) if i % 3 == 0 else "", ""] for i, r in enumerate(rows(40))]
    body.append(body[5])
    header = [*HEADER, "evidence_sha256", "evidence_kind"]
    imported = setup(db_url)
    chained = imported.integrity.verify()[0]

    def by_column(size: int):  # type: ignore[no-untyped-def]
        for i in range(0, len(body), size):
            part = body[i : i + size]
            yield i + 2, {name: [r[k] for r in part] for k, name in enumerate(header)}

    result = imported.imports.events(OP, by_column(15), workers=2)
    assert (result.created, result.existing) == (40, 1)
    other = setup(f"sqlite:///{tmp_path / 'reference.db'}")
    other.records.record_many(
        OP,
        (
            {
                "subject": r[0],
                "rule": r[1],
                "occurred": date.fromisoformat(r[2]),
                "scheme": r[3],
                "authority": r[4],
                "evidence_ref": r[5],
                "evidence_sha256": r[6] or None,
            }
            for r in body[:40]
        ),
    )
    assert opened(imported) == opened(other)
    stored = raw_sql(db_url, "SELECT evidence_sha256 FROM events WHERE type = 'score' ORDER BY id")
    assert [r[0] for r in stored] == [r[6] or None for r in body[:40]]
    assert imported.integrity.verify() == (chained + 40, None)
    imported.store.close()
    other.store.close()


def test_two_spellings_of_one_id_in_one_chunk_are_one_event(db_url: str) -> None:
    """Rows go to workers by their subject as written; two spellings of one ID may go to
    two workers, each preparing the same event as fresh. The parent drops the second (it
    was a unique-key conflict that stopped the import before the parent looked across
    the workers' parts of a chunk)."""
    from socialcredit.application.import_worker import _part

    person = PEOPLE[0]
    first_generation = person[:6] + person[8:17]  # the same ID, 15 digits
    cols = {"subject": [person, first_generation]}
    assert _part(cols, 0, 2)[1] != _part(cols, 1, 2)[1]  # one row each
    application = setup(db_url)
    body = rows(6)
    same = [first_generation, *body[0][1:]]
    body = [*body[:3], same, *body[3:]]
    result = application.imports.events(OP, chunks(body, 10), workers=2)
    assert (result.rows, result.created, result.existing) == (7, 6, 1)
    opened_ = opened(application)
    assert len(opened_) == 6
    assert [e[0] for e in opened_] == sorted(e[0] for e in opened_)
    again = application.imports.events(OP, chunks(body, 10), workers=2)
    assert (again.created, again.existing) == (0, 7)
    application.store.close()


def test_the_chain_follows_the_file_whichever_worker_prepared_a_row(db_url: str) -> None:
    """The workers split each chunk by subject; the parent chains the rows in file order
    (a rerun or a second store gets the same order: the chain is deterministic)."""
    application = setup(db_url)
    body = rows(90)
    application.imports.events(OP, chunks(body, 30), workers=2)
    by_ref = {e[6]: e[0] for e in opened(application)}
    assert [by_ref[r[5]] for r in body] == sorted(by_ref.values())
    application.store.close()
