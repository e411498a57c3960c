"""The pages `serve` and `token demo` (and so `make run`) say exist are the pages
registered: the hand-written lists they printed had lost /boards and /figures."""

from __future__ import annotations

import importlib
import os
import pkgutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi import APIRouter
from fastapi.routing import APIRoute
from typer.testing import CliRunner

import socialcredit.web
from socialcredit.cli import app as cli_app
from socialcredit.server import create_app
from socialcredit.settings import Settings
from tests.api.conftest import Live, free_port

runner = CliRunner()


def _routed_pages() -> set[str]:
    """Every fixed GET path of every router in the web package, found independently of
    the list under test: a new module of pages is caught too."""
    found = set()
    for info in pkgutil.iter_modules(socialcredit.web.__path__):
        module = importlib.import_module(f"socialcredit.web.{info.name}")
        router = getattr(module, "router", None)
        if not isinstance(router, APIRouter):
            continue
        for route in router.routes:
            if not isinstance(route, APIRoute) or "GET" not in route.methods:
                continue
            if "{" not in route.path and not route.path.endswith(".svg"):
                found.add(route.path)
    return found


def test_every_page_the_web_package_routes_is_listed(tmp_path: Path) -> None:
    service = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'pages.db'}"))
    try:
        listed = dict(service.state.pages)
    finally:
        service.state.store.close()
    assert {"/boards", "/figures", "/counter", "/stats", "/log"} <= set(listed)
    assert set(listed) == _routed_pages()
    assert len(listed) == len(service.state.pages)
    assert all(listed.values()), "every page says what it is for (web/sitemap.py TITLES)"


def test_token_demo_lists_every_page(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    assert runner.invoke(cli_app, ["--db", db, "init"]).exit_code == 0
    res = runner.invoke(cli_app, ["--db", db, "token", "demo", "--base-url", "http://h:1"])
    assert res.exit_code == 0, res.output
    shown = res.stdout.split("Pages:", 1)[1].split()
    urls = {w.removeprefix("http://h:1") for w in shown if w.startswith("http://h:1")}
    assert urls == _routed_pages() | {"/docs"}


def test_every_listed_page_answers(live: Live) -> None:
    """A page is a page: public ones answer 200, role pages send a stranger to sign in."""
    with httpx.Client(base_url=live.url, timeout=10) as c:
        for path in sorted(_routed_pages()):
            r = c.get(path)
            if r.status_code == 303:
                assert r.headers["location"].startswith("/signin?next="), path
            else:
                assert r.status_code == 200, (path, r.status_code)
                assert r.headers["content-type"].startswith("text/html"), path


def test_serve_prints_every_page(tmp_path: Path) -> None:
    cli = str(Path(sys.executable).parent / "socialcredit")
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {**os.environ, "COLUMNS": "400"}
    init = subprocess.run(
        [cli, "--db", db, "init"], capture_output=True, text=True, env=env, timeout=120
    )
    assert init.returncode == 0, init.stderr
    proc = subprocess.Popen(
        [cli, "--db", db, "serve", "--port", str(free_port()), "--sign-every", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        line = ""
        while "serving" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
    assert "serving" in line, line
    printed = line.split("(pages: ", 1)[1].split(";", 1)[0].split()
    assert set(printed) == _routed_pages(), line


def test_the_banner_masks_the_store_password() -> None:
    """The banner goes to consoles and log collectors: a PostgreSQL password never."""
    from types import SimpleNamespace

    from socialcredit.cli.serve import banner

    service = SimpleNamespace(state=SimpleNamespace(pages=[("/", "home")]))
    line = banner("postgresql+psycopg://credit:s3cret@db:5432/credit", "127.0.0.1", 8000, service)
    assert "s3cret" not in line and "credit:***@db:5432/credit" in line, line
    assert "sqlite:///x.db" in banner("sqlite:///x.db", "127.0.0.1", 8000, service)
