"""The policy validator: what a published document may never say, checked before it is
published.

- ``catalogue``: the conduct catalogue and measures list, and their own validation;
- ``gate``: every rule cites a catalogue entry within its bounds, every clause a measure
  in a sector it names (the primary gate);
- ``bounds`` and ``brackets``: what every scoring rulebook keeps whatever its catalogue;
- ``keywords`` (and ``keywords_zh``): protected grounds, others' conduct, preference
  profiling in wording, the second line;
- ``dates``: no version takes effect before its publication or rewrites the past;
- ``examples``: every document's own ``[[examples]]``, run by one runner.

Pure: no I/O and no clock; the publication date is an argument.
"""

from socialcredit.core.policy.bounds import lint
from socialcredit.core.policy.brackets import score_bounds
from socialcredit.core.policy.findings import (
    ERROR,
    INPUT_CODES,
    WARNING,
    Finding,
    LintConfig,
    render,
)

__all__ = [
    "ERROR",
    "INPUT_CODES",
    "WARNING",
    "Finding",
    "LintConfig",
    "lint",
    "render",
    "score_bounds",
]
