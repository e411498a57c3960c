"""The log key lives outside the store: a 0600 file (or a KMS/PKCS#11 signer), refused
when others can read it, moved out of stores that kept it inside, and a head signed by
another key is reported."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.conftest import OP, drop_append_only, raw_sql
from tests.transparency.kms_double import SEED, KeySigner
from typer.testing import CliRunner

from socialcredit.application import Application
from socialcredit.cli import app as cli
from socialcredit.core.errors import BadInput, IntegrityError
from socialcredit.settings import Settings, default_log_key
from socialcredit.transparency.heads import verify_head
from socialcredit.transparency.signer import KEY_HEADER, read_key_file

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
runner = CliRunner()


def make(db_url: str, **kw: object) -> Application:
    return Application(Settings(db_url=db_url, clock=lambda: NOW, **kw))  # type: ignore[arg-type]


def test_init_creates_a_0600_key_file_outside_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    app = make(url)
    app.documents.init(OP)
    key = tmp_path / "a.db.logkey"
    assert default_log_key(url) == key
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith(KEY_HEADER)
    private = read_key_file(key)
    assert private.hex() not in (tmp_path / "a.db").read_bytes().hex()
    head, public = app.log.sign_head()
    assert verify_head(public, head) and public == KeySigner(private).public_key()
    app.store.close()


def test_a_readable_or_malformed_key_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert runner.invoke(cli, ["--db", url, "init"]).exit_code == 0
    key = tmp_path / "a.db.logkey"
    os.chmod(key, 0o640)
    res = runner.invoke(cli, ["--db", url, "log", "head"])
    assert res.exit_code == 2 and "chmod 600" in res.output and "Traceback" not in res.output
    os.chmod(key, 0o600)
    assert runner.invoke(cli, ["--db", url, "log", "head"]).exit_code == 0
    for garbage in ("", "nonsense\n", f"{KEY_HEADER}\nzz\n", f"{KEY_HEADER}\n{'00' * 5}\n"):
        key.write_text(garbage)
        res = runner.invoke(cli, ["--db", url, "log", "head"])
        assert res.exit_code == 2 and "log signing key" in res.output, garbage


def test_the_key_path_comes_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    elsewhere = tmp_path / "keys" / "log.key"
    monkeypatch.setenv("SOCIALCREDIT_LOG_KEY", str(elsewhere))
    assert runner.invoke(cli, ["--db", url, "init"]).exit_code == 0
    assert elsewhere.exists() and not (tmp_path / "a.db.logkey").exists()
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o600


def test_a_kms_signer_signs_without_the_key_reaching_us(db_url: str) -> None:
    app = make(db_url, log_signer="tests.transparency.kms_double:make")
    app.documents.init(OP)
    head, public = app.log.sign_head()
    assert public == KeySigner(SEED).public_key() and verify_head(public, head)
    assert not app.settings.log_key_path().exists()
    assert app.integrity.verify()[1] is None
    app.store.close()
    bad = make(db_url, log_signer="tests.transparency.kms_double:broken")
    with pytest.raises(BadInput, match="public_key"):
        bad.log.sign_head()
    bad.store.close()


def test_a_key_kept_in_the_store_is_moved_out_by_init(db_url: str) -> None:
    app = make(db_url)
    app.documents.init(OP)
    path = app.settings.log_key_path()
    private = read_key_file(path)
    path.unlink()  # a store from before issue 11: the key in meta, no file
    raw_sql(
        db_url,
        "INSERT INTO meta (key, value) VALUES ('log_private_key', :v)",
        params={"v": private.hex()},
    )
    assert app.integrity.verify()[1].table == "meta"
    app.documents.init(OP)
    assert read_key_file(path) == private
    assert raw_sql(db_url, "SELECT value FROM meta WHERE key = 'log_private_key'") == []
    assert app.integrity.verify()[1] is None
    app.store.close()


def test_a_head_signed_by_another_key_is_reported_and_never_extended(db_url: str) -> None:
    app = make(db_url)
    app.documents.init(OP)
    path = app.settings.log_key_path()
    path.unlink()
    with pytest.raises(BadInput, match="not found"):
        app.log.sign_head()
    app.documents.init(OP)  # a new key: the heads in the store were signed by the old one
    _, problem = app.integrity.verify()
    assert problem is not None and problem.table == "signed_heads"
    assert "another key" in problem.message
    with pytest.raises(IntegrityError, match="does not verify with this log key"):
        app.log.sign_head()
    app.store.close()


def test_signed_heads_are_append_only(db_url: str) -> None:
    app = make(db_url)
    app.documents.init(OP)
    app.store.close()
    engine = create_engine(db_url)
    try:
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM signed_heads"))
    finally:
        engine.dispose()
    raw_sql(db_url, *drop_append_only(db_url, "signed_heads"), "DELETE FROM signed_heads")
