"""Tables, indexes and append-only triggers, one definition for SQLite and PostgreSQL.

The ledger tables refuse UPDATE and DELETE in the database itself, so not even a bug in
this program (or an operator with a SQL prompt and no intent to drop triggers) can
rewrite history; tampering that does drop the triggers is caught by the hash chain.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable

from socialcredit.core.errors import BadInput

# 2: subjects are stored under keyed pseudonyms (store/pseudonyms.py); the ID lives only
# in its key row. 1: IDs in clear (before issue 12's pseudonyms).
SCHEMA_VERSION = "2"

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

rulebooks = Table(
    "rulebooks",
    metadata,
    Column("scheme", String(64), primary_key=True),
    Column("version", String(64), primary_key=True),
    Column("effective", Date, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("published", String(32), nullable=False),
)

authorities = Table(
    "authorities",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("jurisdiction", String(128), nullable=False),
    Column("registered", String(32), nullable=False),
)

subjects = Table(
    "subjects",
    metadata,
    Column("id", String(18), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("registered", String(32), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    # NULL for chain-only entries that concern no subject (document publication, token
    # issue, access batches: core/trust.py); stores made before may still say NOT NULL
    # until `init` migrates them (Store.create).
    Column("subject", String(18), ForeignKey("subjects.id"), nullable=True),
    Column("authority", String(128), nullable=False),
    Column("occurred", Date, nullable=False),
    Column("recorded", String(32), nullable=False),
    Column("scheme", String(64)),
    Column("version", String(64)),
    Column("rule", String(128)),
    Column("points", Integer, nullable=False),
    Column("ends", Date),
    Column("cap", String(32)),
    Column("evidence_kind", String(64)),
    Column("evidence_ref", Text),
    Column("evidence_sha256", String(64)),
    Column("reverses", Integer),
    Column("reason", Text),
    Column("data", Text, nullable=False),
    Column("dedup", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("dedup", name="uq_events_dedup"),
)
Index("ix_events_subject_scheme", events.c.subject, events.c.scheme)
Index("ix_events_reverses", events.c.reverses)

# Per-subject data keys. Deliberately NOT append-only: erasure after the retention period
# deletes the subject's row here, which makes every sealed personal field of theirs
# unreadable while the hash chain (which covers only ciphertext) still verifies, and
# takes with it the one mapping from the subject's pseudonym back to its identifier.
subject_keys = Table(
    "subject_keys",
    metadata,
    Column("subject", String(18), primary_key=True),  # the pseudonym
    # The identifier itself: nowhere else in the store, and gone with this row.
    Column("subject_id", String(32), nullable=False),
    Column("key", LargeBinary, nullable=False),
    Column("created", String(32), nullable=False),
)

# Store-wide secrets (the key of the keyed idempotency digests), kept with the subject
# keys and apart from the ledger tables, so a ledger backup without this table and
# ``subject_keys`` cannot confirm a guessed evidence reference against a digest.
store_secrets = Table(
    "store_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
    Column("created", String(32), nullable=False),
)

# Tables that hold key material: never in a ledger backup, shredded after an erasure.
KEY_TABLES = ("subject_keys", "store_secrets")

# API tokens: only a SHA-256 of each token is kept, bound to a principal and a role.
# Every token ends: at ``expires``, or when ``revoked`` is set (the only update allowed).
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("principal", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created", String(32), nullable=False),
    Column("expires", String(32)),
    Column("revoked", String(32)),
    Column("revoked_reason", String(200)),
    Column("label", String(200)),
)
# Columns added after the first release; Store.upgrade_tokens adds them to older stores.
TOKEN_COLUMNS_ADDED = (
    ("expires", "VARCHAR(32)"),
    ("revoked", "VARCHAR(32)"),
    ("revoked_reason", "VARCHAR(200)"),
    ("label", "VARCHAR(200)"),
)

# Signed tree heads of the transparency log, as published.
tree_heads = Table(
    "tree_heads",
    metadata,
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("root", String(64), nullable=False),
    Column("timestamp", String(32), nullable=False),
    Column("signature", String(128), nullable=False),
)

# Every tree head the log ever signed, with the public key that signed it. Append-only:
# the next head must extend the last one here (application/log.py), so a head once
# published can never be taken back. (tree_heads above is the pre-issue-11 table, kept
# for old stores and no longer written.)
signed_heads = Table(
    "signed_heads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("size", Integer, nullable=False, unique=True),
    Column("root", String(64), nullable=False),
    Column("timestamp", String(32), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("public_key", String(64), nullable=False),
)

access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("role", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(18)),
    Column("purpose", Text, nullable=False),
    Column("detail", Text, nullable=False),
)
Index("ix_access_subject", access_log.c.subject)

APPEND_ONLY = ("rulebooks", "subjects", "events", "access_log", "tree_heads", "signed_heads")


class OldSchema(BadInput):
    """A store this version cannot serve as it is (exit 2 / 400, nothing written)."""


def check_version(conn: Connection, *, upgrade: bool) -> None:
    """Refuse a store made before pseudonyms, unless it holds no subject yet.

    A schema-1 store holds subject identifiers in clear in its append-only, chained
    tables; replacing them means rewriting every entry and re-chaining, which is not
    built (docs/operations.md, "Pseudonyms"). A schema-1 store with no subject, no
    subject token and no subject in its access log has nothing to rewrite: ``init``
    (``upgrade``) adds the key table's ID column and marks it schema 2.
    """
    if not conn.dialect.has_table(conn, "events"):
        return
    row = conn.execute(select(meta.c.value).where(meta.c.key == "schema")).first()
    version = row.value if row is not None else "1"
    if version == SCHEMA_VERSION:
        return
    held = (
        conn.execute(select(func.count()).select_from(subjects)).scalar_one()
        + conn.execute(
            select(func.count()).select_from(access_log).where(access_log.c.subject.is_not(None))
        ).scalar_one()
    )
    if held or version != "1":
        raise OldSchema(
            f"store {conn.engine.url.render_as_string(hide_password=True)!r} has schema "
            f"version {version}, which keeps subject identifiers in clear; this version "
            f"(schema {SCHEMA_VERSION}) stores keyed pseudonyms and cannot migrate a store "
            "that already holds subjects: keep serving it with the version that made it "
            '(docs/operations.md, "Pseudonyms")',
            field="db",
        )
    if not upgrade:
        raise OldSchema(
            "store has schema version 1 and no subjects yet: run `socialcredit init` to "
            f"bring it to schema {SCHEMA_VERSION}",
            field="db",
        )
    if conn.dialect.has_table(conn, "subject_keys"):
        have = {r["name"] for r in inspect(conn).get_columns("subject_keys")}
        if "subject_id" not in have:
            conn.exec_driver_sql(
                "ALTER TABLE subject_keys ADD COLUMN subject_id VARCHAR(32) NOT NULL DEFAULT ''"
            )
    if row is None:
        conn.execute(insert(meta), [{"key": "schema", "value": SCHEMA_VERSION}])
    else:
        conn.execute(meta.update().where(meta.c.key == "schema").values(value=SCHEMA_VERSION))


def migrate(conn: Connection) -> None:
    """Bring a store made before issue 11 up to date: events.subject becomes nullable.

    PostgreSQL drops the constraint in place; SQLite cannot, so the table is rebuilt
    (copied row for row, same ids and hashes, inside the caller's transaction).
    """
    if conn.dialect.name == "postgresql":
        nullable = conn.exec_driver_sql(
            "SELECT is_nullable FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = 'events' AND column_name = 'subject'"
        ).scalar()
        if nullable == "NO":
            conn.exec_driver_sql("ALTER TABLE events ALTER COLUMN subject DROP NOT NULL")
        return
    info = conn.exec_driver_sql("PRAGMA table_info(events)").all()
    if not any(r[1] == "subject" and r[3] for r in info):
        return
    cols = ", ".join(c.name for c in events.columns)
    scratch = MetaData()
    subjects.to_metadata(scratch)
    conn.execute(CreateTable(events.to_metadata(scratch, name="events__new")))
    conn.exec_driver_sql(f"INSERT INTO events__new ({cols}) SELECT {cols} FROM events")  # noqa: S608
    conn.exec_driver_sql("DROP TABLE events")
    conn.exec_driver_sql("ALTER TABLE events__new RENAME TO events")
    for index in events.indexes:
        index.create(conn, checkfirst=True)


def install_triggers(conn: Connection) -> None:
    """Make the ledger tables append-only at the database level, on either backend."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for op in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
    elif dialect == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION socialcredit_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
        )
        for table in APPEND_ONLY:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION socialcredit_append_only()"
            )
    else:  # pragma: no cover - guarded by Store
        raise RuntimeError(f"unsupported database {dialect}")
