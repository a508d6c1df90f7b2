"""Makes us_colour_tv.csv: the share of US households with a colour TV, 1966-1991.

What it measures: of all US households, the share that had a colour television set, per
year, as compiled by Our World in Data (Ritchie & Roser, "Technology Adoption";
"Technology Diffusion - Comin and Hobijn (2004) and others": a compilation that follows
Horace Dediu's data set back to its sources, among them Nielsen Television Audience
(2008), Lebergott (1976, 1993), Comin & Hobijn (2004); the file does not say which of them
each colour-TV figure comes from). A household-level adoption share of the whole US
population of households.

The published numbers typed in below (percent of households) were read from
github.com/owid/owid-datasets, file datasets/Technology Diffusion - Comin and Hobijn
(2004) and others/Technology Diffusion - Comin and Hobijn (2004) and others.csv, entity
"Colour TV", at commit 70e7f7ee23256467bb6a44fb61fe6a16a83a2081 (2022-06-21; the file was
emptied in the repository on 2023-03-13, commit 571492a, so read it at that commit), and
checked against two other copies, identical on every year 1966-2005:
* the same file's first version, commit 14493df9d89fa5cdd6586f229a18e99abe43fb08
  (2018-09-21);
* the R package adoption 0.6.4 (Martin Schlather; "Technology adoption by households in
  the United States", taken from Our World in Data in 2019), data/technology.rda, element
  `Colour.TV`: github.com/cran/adoption at commit 430ba6e42cd8cbcfefb2fe276a3c797986040faa.
These copies all go back to Our World in Data: they confirm the figures as published
there, not against the original survey (no independent copy of the underlying colour-TV
series was found).

What is kept, and why:
* 1966-1991: the series starts in 1966 at 10 % (the compilation starts its series once
  about a tenth have adopted) and is kept up to the year before its first fall (1992: 95,
  after 96 in 1990 and 1991): the observed file's ever-tried share cannot fall, and
  ownership after saturation moves with replacement and survey noise, not with adoption.
* year y is model week y - 1965 (1966 = week 1, 1991 = week 26).
* percent -> share (divided by 100), nothing else.

    python scenarios/data/make_us_colour_tv.py
    # and, to check the numbers below against source files (pip install rdata):
    python scenarios/data/make_us_colour_tv.py --check-owid OWID.csv [OWID.csv ...] \
        --check-adoption technology.rda
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "us_colour_tv.csv"
FIRST_YEAR = 1966
#: percent of US households with a colour TV (Our World in Data, entity "Colour TV"; the
#: sources are in the module docstring)
PUBLISHED = {
    1966: 10.0,
    1967: 15.0,
    1968: 21.0,
    1969: 25.0,
    1970: 31.0,
    1971: 39.0,
    1972: 43.0,
    1973: 48.0,
    1974: 57.0,
    1975: 64.0,
    1976: 69.0,
    1977: 74.0,
    1978: 75.0,
    1979: 78.0,
    1980: 79.0,
    1981: 80.0,
    1982: 85.0,
    1983: 88.0,
    1984: 89.0,
    1985: 90.0,
    1986: 90.5,
    1987: 91.0,
    1988: 93.0,
    1989: 94.0,
    1990: 96.0,
    1991: 96.0,
}
#: the first year left out: the published share falls there
FIRST_FALL = (1992, 95.0)


def rows() -> list[tuple[int, str]]:
    """The observed file's rows: (model week, share of households as written)."""
    return [(year - FIRST_YEAR + 1, f"{pct / 100:.3f}") for year, pct in PUBLISHED.items()]


def write(path: Path = OUT) -> None:
    """Write the observed file (``week,ever_tried_share``)."""
    with path.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["week", "ever_tried_share"])
        out.writerows(rows())


def _check(source: str, series: dict[int, float]) -> None:
    for year, pct in [*PUBLISHED.items(), FIRST_FALL]:
        assert series.get(year) == pct, (source, year, pct, series.get(year))
    print(f"{source}: all {len(PUBLISHED) + 1} figures match")


def check_owid(path: Path) -> None:
    """Check the typed-in figures against an Our World in Data CSV."""
    with path.open(newline="") as f:
        series = {int(y): float(v) for e, y, v in list(csv.reader(f))[1:] if e == "Colour TV"}
    _check(str(path), series)


def check_adoption(path: Path) -> None:
    """Check the typed-in figures against the R package adoption's technology.rda."""
    import rdata

    frame = rdata.read_rda(str(path))["technology"]["Colour.TV"]
    year, pct = frame.columns[:2]
    _check(str(path), dict(zip(frame[year].astype(int), frame[pct], strict=True)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-owid", nargs="*", type=Path, default=[])
    parser.add_argument("--check-adoption", type=Path)
    args = parser.parse_args()
    for owid in args.check_owid:
        check_owid(owid)
    if args.check_adoption:
        check_adoption(args.check_adoption)
    write()
    for week, share in rows():
        print(f"{FIRST_YEAR + week - 1} week {week:2d}: {share}")
