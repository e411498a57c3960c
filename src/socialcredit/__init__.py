"""socialcredit: published rulebooks, an evidence-backed ledger, explained scores, due process.

The public API is deliberately small (guarded by tests/test_public_api.py): the use
cases, their settings, who acts (an ``Actor`` passed with each call) and the error
tree. Everything else is reachable by module path but not promised.
"""

from socialcredit.application import Actor, Application
from socialcredit.core.errors import SocialCreditError
from socialcredit.settings import Settings

__version__ = "0.1.0"
__all__ = ["Actor", "Application", "Settings", "SocialCreditError", "__version__"]
