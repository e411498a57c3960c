"""Every public CLI command is documented, and the README shows the two commands."""

from __future__ import annotations

from pathlib import Path

import typer
import typer.main

from socialcredit.cli import app

ROOT = Path(__file__).parents[1]


def _commands(group, prefix: str = "") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(cmd, "commands"):
            out += _commands(cmd, path + " ")
        else:
            out.append(path)
    return out


def test_every_cli_command_is_in_the_cli_reference() -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    commands = _commands(typer.main.get_command(app))
    assert len(commands) >= 10
    missing = [c for c in commands if f"socialcredit {c}" not in text]
    assert missing == []


def test_every_cli_option_is_in_the_cli_reference() -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    root = typer.main.get_command(app)
    missing = []
    for param in root.params:
        for opt in param.opts:
            if opt.startswith("--") and opt not in text:
                missing.append(opt)
    for name in _commands(root):
        cmd = root
        for part in name.split():
            cmd = cmd.commands[part]
        for param in cmd.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help",) and opt not in text:
                    missing.append(f"{name} {opt}")
    assert missing == []


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    for doc in (
        "architecture.md",
        "rulebook-format.md",
        "cli.md",
        "operations.md",
        "performance.md",
    ):
        assert (ROOT / "docs" / doc).exists(), doc


def test_every_endpoint_is_in_the_api_reference(tmp_path: Path) -> None:
    from socialcredit.server import create_app
    from socialcredit.settings import Settings

    api = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'x.db'}"))
    text = (ROOT / "docs" / "api.md").read_text()
    missing = [
        f"{m.upper()} {p}"
        for p, ops in api.openapi()["paths"].items()
        for m in ops
        if f"| {m.upper()} | `{p}` |" not in text
    ]
    assert missing == []
