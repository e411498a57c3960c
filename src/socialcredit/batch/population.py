"""Synthetic cities for batch scoring and policy simulation, generated with numpy.

Files written to the output folder:
- ``subjects.parquet``: subject (valid resident ID or credit code), kind;
- ``events-rongcheng.parquet`` / ``events-enterprise.parquet``: event, subject, rule,
  occurred, reverses (about 1% of events are later reversed);
- ``list-entries.parquet``: entry, subject, list, proposed, effective_from, max_end,
  removed, conduct, severity, offence -- list entries that follow from recorded conduct,
  each with its conduct's severity and a term sized as a store sizes it
  (``entries.py``);
- ``attributes.parquet``: district, age band, income band per resident. These are for
  simulation reports only: no rulebook can name them and no engine reads them.

The mix (events per resident-year, below) is calibrated so that about 90% of residents
grade A or better under ``rongcheng``. Two simulation assumptions are deliberate and
documented: unpaid fines and unfulfilled judgments are more frequent in lower income
bands, so that the fairness report has a disparity to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from socialcredit.batch.entries import (
    ENTRY_SCHEMA,
    EPOCH,
    ORG_LISTS,
    PERSON_LISTS,
    list_definitions,
    list_entries,
)
from socialcredit.core.ids import (
    ORG_VALUES,
    ORG_WEIGHTS,
    RESIDENT_CHECK,
    USCC_ALPHABET,
    USCC_VALUES,
)

REGION = "371082"
DISTRICTS = tuple(f"district-{i:02d}" for i in range(1, 13))
INCOME_BANDS = ("lowest", "low", "middle", "high", "highest")
AGE_BANDS = ((18, 29), (30, 44), (45, 59), (60, 74), (75, 120))

# rule: events per resident-year; multiplier per income band (lowest..highest)
PERSON_RATES: dict[str, tuple[float, tuple[float, ...]]] = {
    "traffic-violation": (0.60, (1, 1, 1, 1, 1)),
    "drunk-driving": (0.010, (1, 1, 1, 1, 1)),
    "fine-unpaid": (0.035, (2.0, 1.4, 1.0, 0.6, 0.4)),
    "court-judgment-defaulted": (0.020, (2.0, 1.5, 1.0, 0.6, 0.3)),
    "volunteer-service": (1.00, (1, 1, 1, 1, 1)),
    "charity-donation": (0.25, (0.5, 0.8, 1.0, 1.3, 1.6)),
    "department-award": (0.02, (1, 1, 1, 1, 1)),
    "city-award": (0.004, (1, 1, 1, 1, 1)),
}
ORG_RATES = {
    "taxes-paid-on-time": 0.8,
    "tax-arrears": 0.04,
    "product-quality-fine": 0.03,
    "sanitation-fine": 0.03,
    "court-judgment-unfulfilled": 0.01,
    "exemplary-business": 0.02,
}
__all__ = ["ENTRY_SCHEMA", "EVENT_SCHEMA", "Population", "generate", "list_definitions"]
EVENT_SCHEMA = pa.schema(
    [
        ("event", pa.int64()),
        ("subject", pa.string()),
        ("rule", pa.string()),
        ("occurred", pa.date32()),
        ("reverses", pa.int64()),
    ]
)


@dataclass(frozen=True)
class Population:
    residents: int
    organisations: int
    person_events: int
    organisation_events: int
    folder: Path


def _days(d: date) -> int:
    return (d - EPOCH).days


def resident_ids(n: int, rng: np.random.Generator, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """n distinct valid resident IDs (as an 18-byte array) and their birth days."""
    first, last = _days(date(as_of.year - 90, 1, 1)), _days(date(as_of.year - 18, 1, 1))
    picks = rng.choice((last - first) * 1000, size=n, replace=False)
    born = first + picks // 1000
    seq = picks % 1000
    dates = np.array(born, dtype="datetime64[D]").astype(str)  # YYYY-MM-DD
    ymd = np.char.replace(dates, "-", "")
    body = np.char.add(np.char.add(REGION, ymd), np.char.zfill(seq.astype(str), 3))
    digits = body.astype("S17").view(np.uint8).reshape(n, 17) - ord("0")
    weights = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
    check = np.frombuffer(RESIDENT_CHECK.encode(), dtype="S1")[(digits @ weights) % 11]
    return np.char.add(body.astype("S17"), check), born


def organisation_ids(m: int, rng: np.random.Generator) -> np.ndarray:
    """m distinct valid credit codes: 91 (enterprise), REGION, an 8-character organisation
    code body with its GB 11714 check character, and the GB 32100 check character."""
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    codes = rng.choice(31**8, size=m, replace=False) if m else np.zeros(0, dtype=np.int64)
    chars = np.empty((m, 18), dtype=np.uint8)
    chars[:, 0:2] = np.frombuffer(b"91", dtype=np.uint8)
    chars[:, 2:8] = np.frombuffer(REGION.encode(), dtype=np.uint8)
    values = np.empty((m, 17), dtype=np.int64)
    values[:, 0], values[:, 1] = 9, 1
    values[:, 2:8] = np.frombuffer(REGION.encode(), dtype=np.uint8) - ord("0")
    rest = codes.astype(np.int64)
    for pos in range(15, 7, -1):
        values[:, pos] = rest % 31
        rest //= 31
    chars[:, 8:16] = alphabet[values[:, 8:16]]
    # GB 11714 values the body by its own 36-character scale (A=10 ... Z=35).
    org_value = np.array([ORG_VALUES[c] for c in USCC_ALPHABET], dtype=np.int64)
    c9 = 11 - (org_value[values[:, 8:16]] @ np.array(ORG_WEIGHTS, dtype=np.int64)) % 11
    chars[:, 16] = np.frombuffer(b"0123456789X0", dtype=np.uint8)[c9]
    values[:, 16] = np.array([USCC_VALUES[c] for c in "0123456789X0"], dtype=np.int64)[c9]
    weights = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
    chars[:, 17] = alphabet[(31 - (values @ weights) % 31) % 31]
    return chars.view("S18").reshape(m)


def _events(
    subject_index: np.ndarray,
    ids: np.ndarray,
    rates: dict[str, np.ndarray],
    start: int,
    end: int,
    rng: np.random.Generator,
    first_id: int,
) -> pa.Table:
    """Poisson counts per subject and rule over [start, end) days, then a few reversals."""
    subj_parts, rule_parts = [], []
    names = list(rates)
    for k, name in enumerate(names):
        counts = rng.poisson(rates[name])
        subj_parts.append(np.repeat(subject_index, counts))
        rule_parts.append(np.full(int(counts.sum()), k, dtype=np.int16))
    subj = np.concatenate(subj_parts) if subj_parts else np.zeros(0, dtype=np.int64)
    rule = np.concatenate(rule_parts) if rule_parts else np.zeros(0, dtype=np.int16)
    n = len(subj)
    occurred = rng.integers(start, end, size=n).astype(np.int32)
    event = np.arange(first_id, first_id + n, dtype=np.int64)
    # ~1% of events are corrected later: a reversal row naming its target
    targets = rng.choice(n, size=n // 100, replace=False) if n >= 100 else np.zeros(0, np.int64)
    rev_occ = np.minimum(occurred[targets] + rng.integers(1, 120, size=len(targets)), end - 1)
    all_subj = np.concatenate([subj, subj[targets]])
    all_rule = np.concatenate([rule, rule[targets]])
    all_occ = np.concatenate([occurred, rev_occ.astype(np.int32)])
    all_event = np.concatenate([event, np.arange(first_id + n, first_id + n + len(targets))])
    reverses = np.concatenate([np.full(n, -1, dtype=np.int64), event[targets]])
    ids_arr = pa.array(ids.astype(str)) if len(ids) else pa.array([], pa.string())
    rule_dict = pa.array(names, pa.string())
    return pa.table(
        {
            "event": pa.array(all_event, pa.int64()),
            "subject": pa.DictionaryArray.from_arrays(
                pa.array(all_subj.astype(np.int32)), ids_arr
            ).cast(pa.string()),
            "rule": pa.DictionaryArray.from_arrays(
                pa.array(all_rule.astype(np.int32)), rule_dict
            ).cast(pa.string()),
            "occurred": pa.array(all_occ, pa.int32()).cast(pa.date32()),
            "reverses": pa.array(reverses, pa.int64(), mask=reverses < 0),
        },
        schema=EVENT_SCHEMA,
    )


def generate(
    residents: int,
    organisations: int,
    seed: int,
    out: Path,
    as_of: date = date(2024, 6, 1),
    years: float = 10.0,
) -> Population:
    """Write a synthetic city; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    conducts = np.random.default_rng([seed, 1])  # the conduct of a list citing several
    out.mkdir(parents=True, exist_ok=True)
    rid, born = resident_ids(residents, rng, as_of)
    oid = organisation_ids(organisations, rng)
    end = _days(as_of) + 1
    start = max(_days(date(2014, 1, 1)), end - int(years * 365.25))
    span_years = (end - start) / 365.25
    income = rng.integers(0, len(INCOME_BANDS), size=residents)
    district = rng.integers(0, len(DISTRICTS), size=residents)
    age = (_days(as_of) - born) / 365.25
    age_band = np.searchsorted([b[1] + 1 for b in AGE_BANDS], age, side="right")
    rates = {
        rule: base * span_years * np.asarray(mult)[income]
        for rule, (base, mult) in PERSON_RATES.items()
    }
    person = _events(np.arange(residents), rid, rates, start, end, rng, 1)
    pq.write_table(person, out / "events-rongcheng.parquet")
    org_rates = {r: np.full(organisations, v * span_years) for r, v in ORG_RATES.items()}
    org = _events(np.arange(organisations), oid, org_rates, start, end, rng, 1 + person.num_rows)
    pq.write_table(org, out / "events-enterprise.parquet")
    entries = pa.concat_tables(
        [
            list_entries(person, rid, PERSON_LISTS, start, end, span_years, rng, 1, conducts),
            list_entries(
                org, oid, ORG_LISTS, start, end, span_years, rng, 1 + person.num_rows, conducts
            ),
        ]
    )
    pq.write_table(entries, out / "list-entries.parquet")
    kinds = ["person"] * residents + ["organisation"] * organisations
    pq.write_table(
        pa.table(
            {"subject": pa.array(np.concatenate([rid, oid]).astype(str)), "kind": pa.array(kinds)}
        ),
        out / "subjects.parquet",
    )
    labels = [f"{lo}-{hi}" if hi < 120 else f"{lo}+" for lo, hi in AGE_BANDS]
    pq.write_table(
        pa.table(
            {
                "subject": pa.array(rid.astype(str)),
                "district": pa.array(np.asarray(DISTRICTS)[district]),
                "age_band": pa.array(np.asarray(labels)[np.clip(age_band, 0, len(labels) - 1)]),
                "income_band": pa.array(np.asarray(INCOME_BANDS)[income]),
            }
        ),
        out / "attributes.parquet",
    )
    return Population(residents, organisations, person.num_rows, org.num_rows, out)
