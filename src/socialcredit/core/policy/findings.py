"""What every policy check returns: a finding with its exact field path.

A refused document says precisely what to change and where, for every problem at once,
so that a publisher fixes a file in one pass instead of discovering errors one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"

# Codes that mean "the input cannot be read as meant" rather than "the input says
# something not allowed": a malformed file, a reference to a catalogue entry or measure
# that does not exist. They are bad input (CLI exit 2, HTTP 422), the rest are policy
# refusals (exit 1).
INPUT_CODES = frozenset(
    {"structure", "unknown-conduct", "unknown-measure", "no-catalogue", "no-measures-list"}
)


@dataclass(frozen=True)
class Finding:
    """One policy problem: where (a field path such as ``rules[3].category``), what, how bad.

    Only ``error`` findings stop a document from being published; a ``warning`` points at
    something that is legal but almost certainly not what the publisher meant.
    """

    path: str
    code: str
    message: str
    severity: str = ERROR


@dataclass(frozen=True)
class LintConfig:
    """Limits a deployment may tighten or loosen without changing the checks themselves."""

    # "Once untrustworthy, always restricted" is what the reporting shows going wrong:
    # every negative effect must end, by default within five years.
    max_negative_lasts_days: int = 5 * 366


def path_key(path: str) -> tuple[tuple[int, str, int], ...]:
    """Sort key reading ``[n]`` indices as numbers, so rules[10] comes after rules[9]."""
    parts = re.split(r"(\d+)", path)
    return tuple((1, "", int(p)) if p.isdigit() else (0, p, 0) for p in parts)


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (path_key(f.path), f.code, f.message))


def render(findings: Iterable[Finding], file: str) -> list[str]:
    """One line per finding, ``FILE: PATH: severity CODE: message``, the form editors and
    CI logs already know how to jump to."""
    return [f"{file}: {f.path}: {f.severity} {f.code}: {f.message}" for f in findings]
