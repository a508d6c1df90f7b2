"""Makes us_household_computers.csv: the share of US households with a computer, 1984-2010.

What it measures: of all US households, the share that had a computer at home, from the
US Census Bureau's Current Population Survey (CPS) supplements on computer and Internet
use, in the years the supplement was run. A household-level adoption share of the whole
US population of households, not a count of people.

The published numbers typed in below (percent of households) were read from two copies
that agree on every one of them:

1. The R package stevedata (Steven V. Miller), data set `usa_computers` ("Percentage of
   U.S. Households with Computer Access, by Year"; its source field: "Various: U.S. Census
   Bureau, Current Population Survey, and American Community Survey"). Read from
   github.com/svmiller/stevedata, file data/usa_computers.rda at commit
   a3cc3dd367fab149e2b2b424e634e389476e5b33 (the file last changed in 292044a, 2022-10-24),
   and its CSV export in github.com/vincentarelbundock/Rdatasets, file
   csv/stevedata/usa_computers.csv at commit 7ea8041ba58e76bae8f32f991251512203cb5373
   (identical).
2. Our World in Data's "Technology Diffusion - Comin and Hobijn (2004) and others"
   (Ritchie & Roser), entity "Microcomputer" ("Percentage of US households with
   microcomputers"): github.com/owid/owid-datasets, file datasets/Technology Diffusion -
   Comin and Hobijn (2004) and others/Technology Diffusion - Comin and Hobijn (2004) and
   others.csv at commit 70e7f7ee23256467bb6a44fb61fe6a16a83a2081 (2022-06-21; the file was
   emptied in the repository on 2023-03-13, commit 571492a, so read it at that commit).

What is kept, and why:
* only the CPS survey years 1984-2010 in which both copies give the same figure. Left
  out: 1998 (stevedata 42.1, OWID "Microcomputer" 40.0: the copies disagree); OWID's
  figures for the years between surveys (1985-1988, 1990-1992, ...: no survey, source not
  stated); 2011 onwards (2011 is 75.6, below 2010's 76.7, and from 2013 stevedata's
  figures come from another survey, the ACS: the observed file's ever-tried share cannot
  fall, and the two surveys are not one series).
* year y is model week y - 1983 (1984 = week 1, 2010 = week 27); the years without a
  survey are weeks not observed (no row).
* percent -> share (divided by 100), nothing else.

    python scenarios/data/make_us_household_computers.py
    # and, to check the numbers below against the source files (pip install rdata):
    python scenarios/data/make_us_household_computers.py --check STEVEDATA.rda OWID.csv
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "us_household_computers.csv"
FIRST_YEAR = 1984
#: percent of US households with a computer, CPS years (stevedata usa_computers = OWID
#: "Microcomputer"; the sources are in the module docstring)
PUBLISHED = {
    1984: 8.2,
    1989: 15.0,
    1993: 22.9,
    1997: 36.6,
    2000: 51.0,
    2001: 56.3,
    2003: 61.8,
    2007: 69.7,
    2009: 74.1,
    2010: 76.7,
}
#: the years left out (see the docstring): copies disagree, or the series falls after
LEFT_OUT = {1998: (42.1, 40.0)}


def rows() -> list[tuple[int, str]]:
    """The observed file's rows: (model week, share of households as written)."""
    return [(year - FIRST_YEAR + 1, f"{pct / 100:.3f}") for year, pct in PUBLISHED.items()]


def write(path: Path = OUT) -> None:
    """Write the observed file (``week,ever_tried_share``)."""
    with path.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["week", "ever_tried_share"])
        out.writerows(rows())


def check(stevedata_rda: Path, owid_csv: Path) -> None:
    """Check every typed-in figure against both source files."""
    import rdata

    frame = rdata.read_rda(str(stevedata_rda))["usa_computers"]
    steve = dict(zip(frame["year"].astype(int), frame["value"], strict=True))
    owid = {}
    with owid_csv.open(newline="") as f:
        for entity, year, value in list(csv.reader(f))[1:]:
            if entity == "Microcomputer":
                owid[int(year)] = float(value)
    for year, pct in PUBLISHED.items():
        assert steve[year] == pct == owid[year], (year, pct, steve.get(year), owid.get(year))
    for year, (steve_pct, owid_pct) in LEFT_OUT.items():
        assert (steve[year], owid[year]) == (steve_pct, owid_pct), year
    print(f"all {len(PUBLISHED)} figures match both sources")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", nargs=2, type=Path, metavar=("STEVEDATA_RDA", "OWID_CSV"))
    args = parser.parse_args()
    if args.check:
        check(*args.check)
    write()
    for week, share in rows():
        print(f"{FIRST_YEAR + week - 1} week {week:2d}: {share}")
