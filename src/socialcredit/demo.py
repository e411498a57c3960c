"""A seeded demo city: residents and companies with a plausible mix of recorded events.

The mix is calibrated so that about 90% of residents grade A or better under the
``rongcheng`` scheme, as reported (SYSTEM.md §1). Every event goes through the same
validation path as a registrar's submission; nothing is written around it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from socialcredit.core.ids import synthetic_resident_ids, synthetic_usccs

SURNAMES = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Gao",
    "Luo",
]
GIVEN = [
    "Wei",
    "Fang",
    "Min",
    "Jing",
    "Lei",
    "Yan",
    "Jun",
    "Tao",
    "Ming",
    "Hua",
    "Xin",
    "Yu",
    "Hong",
    "Ping",
    "Qiang",
    "Li",
    "Na",
    "Jie",
    "Bo",
    "Lan",
]
COMPANY = [
    "Harbour",
    "Fishery",
    "Textile",
    "Machinery",
    "Tyre",
    "Foods",
    "Logistics",
    "Pharma",
    "Marine",
    "Trading",
]

# (rule, probability that a resident has it, max repeats, authority, evidence kind)
PERSON_MIX: tuple[tuple[str, float, int, str, str], ...] = (
    ("traffic-violation", 0.35, 3, "rongcheng-traffic-police", "traffic-ticket"),
    ("drunk-driving", 0.03, 1, "rongcheng-traffic-police", "penalty-decision"),
    ("fine-unpaid", 0.05, 1, "rongcheng-traffic-police", "penalty-decision"),
    ("court-judgment-defaulted", 0.065, 1, "rongcheng-people-court", "court-judgment"),
    ("volunteer-service", 0.15, 4, "rongcheng-credit-office", "volunteer-certificate"),
    ("charity-donation", 0.10, 2, "rongcheng-credit-office", "donation-receipt"),
    ("department-award", 0.04, 1, "rongcheng-credit-office", "award-certificate"),
    ("city-award", 0.015, 1, "rongcheng-credit-office", "award-certificate"),
)
SESAME_MIX: tuple[tuple[str, float, int, str, str], ...] = (
    ("identity-verified", 0.85, 1, "public-security-identity", "identity-check"),
    ("bill-paid-on-time", 0.80, 8, "credit-bureau", "creditor-statement"),
    ("bill-overdue", 0.12, 2, "credit-bureau", "creditor-statement"),
    ("contract-fulfilled", 0.40, 3, "credit-bureau", "creditor-statement"),
    ("contract-breached", 0.05, 1, "credit-bureau", "creditor-statement"),
)
ORG_MIX: tuple[tuple[str, float, int, str, str], ...] = (
    ("taxes-paid-on-time", 0.80, 2, "rongcheng-tax-bureau", "tax-clearance-certificate"),
    ("tax-arrears", 0.05, 1, "rongcheng-tax-bureau", "tax-notice"),
    ("product-quality-fine", 0.04, 1, "rongcheng-market-regulation", "penalty-decision"),
    ("sanitation-fine", 0.04, 1, "rongcheng-market-regulation", "penalty-decision"),
    ("court-judgment-unfulfilled", 0.02, 1, "rongcheng-people-court", "court-judgment"),
    ("exemplary-business", 0.03, 1, "rongcheng-credit-office", "award-certificate"),
)


@dataclass(frozen=True)
class City:
    residents: list[tuple[str, str, str]]
    organisations: list[tuple[str, str, str]]
    seed: int
    today: date


def make_city(residents: int, organisations: int, seed: int, today: date) -> City:
    rng = random.Random(seed)  # noqa: S311 - seeded demo data, not secrets
    people = [
        (pid, "person", f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}{rng.choice(GIVEN).lower()}")
        for pid in synthetic_resident_ids(residents, seed)
    ]
    orgs = [
        (oid, "organisation", f"Rongcheng {rng.choice(COMPANY)} Co., Ltd. No. {i + 1}")
        for i, oid in enumerate(synthetic_usccs(organisations, seed))
    ]
    return City(people, orgs, seed, today)


def _events(
    rng: random.Random,
    subject: str,
    scheme: str,
    mix: tuple[tuple[str, float, int, str, str], ...],
    today: date,
    span_days: int,
    counter: list[int],
) -> Iterator[dict[str, Any]]:
    for rule, p, most, authority, kind in mix:
        if rng.random() >= p:
            continue
        for _ in range(rng.randint(1, most)):
            counter[0] += 1
            yield {
                "subject": subject,
                "scheme": scheme,
                "rule": rule,
                "authority": authority,
                "evidence_kind": kind,
                "evidence_ref": f"{kind}/{counter[0]:08d}",
                "occurred": today - timedelta(days=rng.randrange(span_days)),
            }


def city_events(city: City) -> Iterator[dict[str, Any]]:
    """Events for every subject, deterministic for a seed; about 1.8 per resident."""
    rng = random.Random(city.seed + 1)  # noqa: S311 - seeded demo data
    counter = [0]
    for pid, _, _ in city.residents:
        yield from _events(rng, pid, "rongcheng", PERSON_MIX, city.today, 3 * 365, counter)
        yield from _events(rng, pid, "sesame", SESAME_MIX, city.today, 2 * 365, counter)
    for oid, _, _ in city.organisations:
        yield from _events(rng, oid, "enterprise", ORG_MIX, city.today, 3 * 365, counter)
