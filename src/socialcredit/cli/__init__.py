"""The operator console: a thin Typer package over ``application/``, one module per noun.

It mirrors ``api/routes/``; each module registers its commands on the root ``app`` when
imported, so importing this package wires the whole console.
"""

import sys

from socialcredit.cli import (  # noqa: F401  (each module registers its commands)
    access,
    batch,
    decisions,
    disputes,
    erasure,
    lists,
    log,
    records,
    repairs,
    rulebooks,
    serve,
    tokens,
)
from socialcredit.cli.common import app, err
from socialcredit.core.errors import SocialCreditError

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point: no input ever produces a traceback."""
    try:
        app()
    except SocialCreditError as exc:  # pragma: no cover - commands handle their own
        err.print(f"error: {exc.message}", markup=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
