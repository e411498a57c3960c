"""The README's tour runs as written (ids, exit codes), in a fresh store."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialcredit.cli import app

README = Path(__file__).parents[1] / "README.md"


def tour_commands() -> list[list[str]]:
    text = README.read_text()
    block = text.split("## A 5-minute tour", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [shlex.split(line)[1:] for line in block.splitlines() if line.startswith("$sc ")]


def test_readme_tour_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    """On both stores: SOCIALCREDIT_DB=postgresql+psycopg://... works for everything."""
    monkeypatch.chdir(tmp_path)
    root = README.parent
    runner = CliRunner()
    commands = tour_commands()
    assert len(commands) >= 15
    outputs = []
    for argv in commands:
        argv = [str(root / a) if a.startswith("src/") else a for a in argv]
        if "*.toml" in " ".join(argv):
            argv = [a for a in argv if "*" not in a] + [
                str(p) for p in sorted((root / "src/socialcredit/rulebooks").glob("*.toml"))
            ]
        res = runner.invoke(app, ["--db", db_url, *argv])
        assert res.exit_code == 0, (argv, res.output)
        outputs.append(res.stdout)
    assert "DENY" in outputs[9] and "ALLOW" in outputs[11]
    assert (tmp_path / "record.html").exists() and (tmp_path / "proof.json").exists()
