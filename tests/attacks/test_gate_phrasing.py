"""Attack on the publication gate (issues 13 and 15): phrasings meant to slip past it.

The catalogue is the first line (a rule must cite an entry with a statute); the keyword
scan is the second, for an admin who publishes a made-up entry with a made-up basis.
Each phrasing below is how a publisher wanting to score a protected ground or another
person's conduct might word it without the obvious words; each must be refused by both
layers, with the right ground.
"""

from __future__ import annotations

import pytest

from tests.core.test_policy_corpus import catalogue, codes, scheme

SLIPPERY = [
    # scoring someone for another's conduct, phrased indirectly
    ("Members of the same household as a listed debtor", "others-conduct"),
    ("Persons sharing a household registration with a defaulter", "others-conduct"),
    ("Next of kin of a person on the defaulter list", "others-conduct"),
    ("Relatives of dishonest persons", "others-conduct"),
    ("Family members of a judgment debtor", "others-conduct"),
    ("Parents of a student who cheated in an exam", "others-conduct"),
    ("Son or daughter of a listed employer", "others-conduct"),
    ("Being married to a person in tax arrears", "others-conduct"),
    ("Friends who post negative comments", "others-conduct"),
    ("Co-residents of a listed person", "others-conduct"),
    # protected grounds, without the obvious words
    ("Attends church services on Sundays", "protected-ground"),
    ("Fasting during Ramadan", "protected-ground"),
    ("Practising Falun Gong", "protected-ground"),
    ("Member of an unregistered congregation", "protected-ground"),
    ("Signing an open letter to the government", "protected-ground"),
    ("Joining a collective complaint to the provincial office", "protected-ground"),
    ("Posting criticism of officials on Weibo", "protected-ground"),
    ("Membership in an independent trade union", "protected-ground"),
    ("Attending a gathering of an unregistered group", "protected-ground"),
    ("Diagnosed with a mental illness", "protected-ground"),
    ("HIV positive status", "protected-ground"),
    ("Same-sex relationship", "protected-ground"),
    ("Being of Uyghur origin", "protected-ground"),
    ("Speaking Tibetan at work", "protected-ground"),
    ("Voting for an opposition candidate", "protected-ground"),
]


@pytest.mark.parametrize(("text", "ground"), SLIPPERY)
def test_slippery_wording_is_refused_by_both_layers(text: str, ground: str) -> None:
    assert "no-catalogue-entry" in codes([("scheme.toml", scheme(text, None))])["scheme.toml"]
    found = codes(
        [
            ("catalogue.toml", catalogue(text, "Local Credit Measures, art. 7")),
            ("scheme.toml", scheme(text, "the-conduct")),
        ]
    )
    assert ground in found["catalogue.toml"], found
    assert ground in found["scheme.toml"], found
