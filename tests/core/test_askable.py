"""Every perk and sanction is askable (issue 14, item 3).

A perk that no verifier can ask about, or a sanction service with no registered
verifier, is a promise nobody can check: each shipped scheme's perk names a service of
a shipped memorandum, and every service has at least one demo verifier.
"""

from __future__ import annotations

from socialcredit.application import packaged_rulebooks
from socialcredit.core.documents import doc_kind, parse_document

# Not a service: the village board is a public display, shown by `list board`.
NOT_A_SERVICE = {"honour-board"}


def test_every_perk_and_sanction_has_a_service_and_a_verifier() -> None:
    docs = [parse_document(text) for _, text in packaged_rulebooks()]
    memos = [d for d in docs if doc_kind(d) == "memorandum"]
    services = {s.id for m in memos for s in m.services}
    asked = {s for m in memos for v in m.verifiers for s in v.services}
    perks = {p.code for d in docs if doc_kind(d) in ("points", "scorecard") for p in d.perks}
    assert perks - NOT_A_SERVICE <= services, perks - NOT_A_SERVICE - services
    assert services <= asked, services - asked
    clause_services = {s for m in memos for c in m.clauses for s in c.services}
    assert clause_services <= asked
    for wanted in (
        "preferential-loan-terms",
        "public-tender",
        "golf",
        "civil-service-hiring",
        "luxury-hotel",
        "high-speed-rail",
        "flight",
        "bike-rental-deposit-free",
        "heating-discount",
    ):
        assert wanted in asked, wanted
