"""Reading an import file fast must read it as CSV does (issue 16).

The CLI now cuts the file into chunks from large blocks, and a worker splits a chunk
without quotes at commas and newlines instead of running the CSV reader: both are
compared with the plain readings on generated files, including carriage returns,
NULs, empty lines, short and long rows and a last line without its newline.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialcredit.application.imports import parse_lines
from socialcredit.cli.imports import _csv_chunks
from socialcredit.core.errors import BadInput

HEADER = ("subject", "rule", "occurred", "scheme", "authority")
cells = st.text(st.characters(blacklist_characters=',"\n', codec="utf-8"), max_size=6)
lines = st.lists(cells, min_size=0, max_size=7).map(",".join)


def by_csv(first: int, data: bytes) -> object:
    records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    for i, values in enumerate(records):
        if len(values) != len(HEADER):
            return first + i, f"{len(values)} fields, the header has {len(HEADER)}"
    return {name: [r[k] for r in records] for k, name in enumerate(HEADER)}


@settings(max_examples=300, deadline=None)
@given(st.lists(lines, min_size=1, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_a_chunk_without_quotes_splits_as_csv_reads_it(body: list[str], eol: str) -> None:
    """Line ends LF or CRLF (csv.writer's default); cells may hold carriage returns."""
    data = (eol.join(body) + eol).encode()
    try:
        expected = by_csv(2, data)
    except csv.Error:
        return  # the CSV reader refuses it (a NUL): so does the worker, by the CSV path
    got = parse_lines(2, (HEADER, data))
    if isinstance(got, dict):
        got = {k: list(v) for k, v in got.items()}
    assert got == expected


@settings(max_examples=100, deadline=None)
@given(
    st.lists(lines, min_size=0, max_size=12),
    st.integers(1, 5),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_the_chunks_are_the_files_lines(
    tmp_path_factory: pytest.TempPathFactory, body: list[str], chunk: int, eol: str, last: bool
) -> None:
    path = tmp_path_factory.mktemp("read") / "events.csv"
    text = ",".join(HEADER) + eol + eol.join(body) + (eol if last and body else "")
    path.write_bytes(text.encode())
    raw = text.encode().split(b"\n")[1:]
    if raw and raw[-1] == b"":
        raw.pop()
    _, chunks = _csv_chunks(path, chunk)
    if any(not line.strip() for line in raw):
        empty = next(i for i, line in enumerate(raw) if not line.strip())
        with pytest.raises(BadInput, match=f"row {empty + 2}: an empty line"):
            list(chunks)
        return
    got = list(chunks)
    assert [first for first, _ in got] == list(range(2, 2 + len(raw), chunk))
    blobs = [c[1] if isinstance(c, tuple) else None for _, c in got]
    assert b"".join(b for b in blobs if b is not None) == b"".join(r + b"\n" for r in raw)


def test_a_file_with_crlf_line_ends_is_read_as_csv_reads_it(tmp_path: Path) -> None:
    data = b"1,r,2024-01-01,s,a\r\n2,r,2024-01-02,s,a\r\n"
    got = parse_lines(2, (HEADER, data))
    assert isinstance(got, dict)
    assert list(got["subject"]) == ["1", "2"] and list(got["authority"]) == ["a", "a"]
