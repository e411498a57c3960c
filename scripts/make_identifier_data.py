"""Regenerate the code lists that the identifier checks ship as package data.

Writes two files under src/socialcredit/data/:

- ``gbt2260.tsv``: every GB/T 2260 administrative division code ever assigned (current
  and withdrawn, since ID numbers outlive the divisions they name), one ``code<TAB>name``
  a line. Source: python-stdnum's ``stdnum/cn/loc.dat`` (compiled by python-stdnum from
  the Chinese Wikipedia lists of GB/T 2260 codes, with the years a code was in use in
  square brackets). The codes are public facts of the standard.
- ``iso3166-numeric.tsv``: the ISO 3166-1 numeric country codes (GB/T 2659 uses the same
  numbers), one ``code<TAB>alpha-3<TAB>name`` a line, for the nationality code of the
  2023 foreign permanent resident ID card. Source: pycountry (Debian iso-codes).

Run it in a venv that has both packages (neither is a dependency of socialcredit):

    .venv/bin/pip install python-stdnum pycountry
    .venv/bin/python scripts/make_identifier_data.py
"""

from __future__ import annotations

import importlib.metadata
from importlib import resources
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parents[1] / "src" / "socialcredit" / "data"


def division_codes() -> list[tuple[str, str]]:
    """(code, name) for every 6-digit code in loc.dat: a 2-digit province line, then
    4-digit county lines indented under it."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    out: list[tuple[str, str]] = []
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, props = line.strip().partition(" ")
        name = props.partition("=")[2].strip().strip('"')
        if not line.startswith(" "):
            province = key
            continue
        code = province + key
        if len(code) != 6 or not code.isdigit():
            raise SystemExit(f"unexpected line in loc.dat: {line!r}")
        out.append((code, name))
    return sorted(set(out))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    stdnum_version = importlib.metadata.version("python-stdnum")
    codes = division_codes()
    with (OUT / "gbt2260.tsv").open("w", encoding="utf-8", newline="\n") as f:
        f.write(
            "# GB/T 2260 administrative division codes, current and withdrawn ([years] in"
            " use).\n"
            f"# Derived from python-stdnum {stdnum_version} stdnum/cn/loc.dat by"
            " scripts/make_identifier_data.py.\n"
        )
        for code, name in codes:
            f.write(f"{code}\t{name}\n")
    pycountry_version = importlib.metadata.version("pycountry")
    countries = sorted((c.numeric, c.alpha_3, c.name) for c in pycountry.countries)
    with (OUT / "iso3166-numeric.tsv").open("w", encoding="utf-8", newline="\n") as f:
        f.write(
            "# ISO 3166-1 numeric country codes (= GB/T 2659), for the nationality code of"
            " foreign permanent resident IDs.\n"
            f"# Derived from pycountry {pycountry_version} by scripts/make_identifier_data.py.\n"
        )
        for numeric, alpha3, name in countries:
            f.write(f"{numeric}\t{alpha3}\t{name}\n")
    print(f"{len(codes)} division codes, {len(countries)} country codes written to {OUT}")


if __name__ == "__main__":
    main()
