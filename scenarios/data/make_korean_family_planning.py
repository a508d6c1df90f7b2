"""Makes korean_family_planning.csv: a real adoption series for `adoptsim calibrate`.

Source: the Korean Family Planning survey, 1,047 married women of child-bearing age in 25
Korean villages, interviewed in 1973 by Seoul National University's School of Public Health
(Park, Chung, Han & Lee 1974; Rogers & Kincaid 1981, Communication Networks: Toward a New
Paradigm for Research, Free Press). Copied from the R package netdiffuseR (Vega Yon,
Valente et al.), repository github.com/USCCANA/netdiffuseR, file data/kfamily.rdata at
commit f16350e503126db0f8f3384ce8afcbefde28f83d, data frame `kfamily`, column `toa`
("Time of Adoption"; the codebook in R/data.r says of the equal column `ado`: "adopt times
years converted to 1=63", i.e. 1 = 1963 ... 10 = 1972).

What is transformed, and nothing else:
* netdiffuseR's convention (R/data.r, "Right censored data"): "non-adopting actors are coded
  as one plus the last observed time of adoption"; here toa = 11 (374 women), so they are
  counted as not (yet) adopted and period 11 is not a period of the series.
* Adoption times -> the cumulative number of women who had adopted a family-planning
  method by the end of each period: period k (1963 + k - 1) is model week k.

    pip install rdata   # a reader of R data files, not a dependency of adoptsim
    python scenarios/data/make_korean_family_planning.py PATH/TO/netdiffuseR/data/kfamily.rdata

It prints the village sizes used for the departments of scenarios/korean_family_planning.yaml.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
#: toa of the women who had not adopted by the survey (netdiffuseR's censoring code)
NOT_ADOPTED = 11

if __name__ == "__main__":
    import rdata

    kfamily = rdata.read_rda(sys.argv[1])["kfamily"]
    toa = kfamily["toa"].to_numpy()
    assert len(toa) == 1047 and not np.isnan(toa).any()
    periods = np.arange(1, NOT_ADOPTED)
    counts = np.array([(toa <= k).sum() for k in periods])
    out = pd.DataFrame({"week": periods, "ever_tried": counts})
    out.to_csv(HERE / "korean_family_planning.csv", index=False)
    print(out.assign(year=1962 + periods).to_string(index=False))
    sizes = kfamily["village"].astype(int).value_counts().sort_index()
    print({f"village {v}": int(n) for v, n in sizes.items()})
