"""Issue one demo token per role for `make run`, print them once with the page URLs."""

from __future__ import annotations

import argparse

from socialcredit.application import Application
from socialcredit.settings import Settings

DEMO_PRINCIPALS = (
    ("admin", "city-admin"),
    ("registrar", "rongcheng-traffic-police"),
    ("registrar", "rongcheng-people-court"),
    ("verifier", "airline-demo"),
    ("verifier", "bike-demo"),
    ("reviewer", "rongcheng-review-board"),
    ("auditor", "city-auditor"),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", required=True)
    ap.add_argument("--base-url", default="http://127.0.0.1:8000")
    args = ap.parse_args()
    app = Application(Settings.from_env(args.db, "demo token issue"))
    with app.store.transaction() as conn:
        resident = app.store.subjects_page(conn, "person")[0]
    rows = [*DEMO_PRINCIPALS, ("subject", resident)]
    print("Demo tokens (shown once; only their hashes are stored):")
    for role, principal in rows:
        print(f"  {role:<9} {principal:<26} {app.issue_token(role, principal)}")
    print("Pages:")
    for path, what in (
        ("/", "home"),
        ("/signin", "sign in with a token"),
        ("/counter", "a resident's record"),
        ("/desk", "registrar desk"),
        ("/verify", "verifier"),
        ("/review", "review queue"),
        ("/stats", "grade distribution"),
        ("/log", "signed log head"),
        ("/docs", "API reference"),
    ):
        print(f"  {args.base_url}{path:<10} {what}")


if __name__ == "__main__":
    main()
