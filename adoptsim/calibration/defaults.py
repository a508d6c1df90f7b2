"""The default fit set of a calibration and its informative priors.

``adoptsim calibrate`` without ``--fit`` (and without ``calibration.fit`` in the scenario)
fits four parameters, the ones a strategist cannot know and the observed weeks speak to:

==================================  =========================================  ==========
path                                what it is (Bass 1969 analogue)            prior
==================================  =========================================  ==========
``behavior.external_awareness``     hearing of it from outside (p)             log-normal
``behavior.peer_awareness``         word of mouth from users (q)               log-normal
``tool.market_potential``           who it has a use for at all (m)            half-normal
``behavior.intercept``              how readily the aware try it               normal
``tool.initial_adopters``           users before the first period (only when   uniform
                                    period 1's share is above 0)
==================================  =========================================  ==========

The last is there because published series often start years after a product came out
(the first observed period already holds 8-10 % adopters): the share observed in period 1
bounds how many used the tool before it.

The priors of the two awareness channels come from the meta-analysis of Bass-model
estimates by Sultan, Farley & Lehmann (1990): mean p 0.03 and q 0.38 per period. They are
mapped to the model's weekly parameters for an organization and a period length of ``K``
weeks: a per-period rate ``r`` is ``1 - (1 - r) ** (1 / K)`` a week; the outside channel
is ``p`` itself; word of mouth acts per unit of tie weight on users, so ``q`` is divided by
the mean weighted degree, and multiplied by :data:`Q_FACTOR` (only this week's users
spread the word, while Bass counts everyone who ever adopted). With the intercept at its
prior's center the aware try at once, and the model's curve is a Bass curve with
``p`` 0.03 and ``q`` 0.38 (``tests/test_calibration_defaults.py`` fits Bass to the model's
own curve to check it).

Word of mouth has two channels in the model, awareness from users (``peer_awareness``) and
their weight in the choice (``behavior.w_social``); a series of shares cannot tell them
apart (on the Korean family-planning series the w_social interval spanned 0.02-0.93 of its
0-1 prior). The default set fits the first and keeps ``w_social`` at the scenario's value:
the decision and its evidence are in docs/calibration.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoptsim.calibration.spec import FitParameter
from adoptsim.org import Organization

#: mean Bass coefficients of innovation and imitation per period over 213 published
#: applications (Sultan, Farley & Lehmann 1990, Journal of Marketing Research 27(1):70-77)
BASS_P = 0.03
BASS_Q = 0.38
#: the spread of the two awareness priors, in log units (assumption: one standard deviation
#: is a factor e, so the 90 % prior interval spans a factor of 27 around the mean)
LOG_SPREAD = 1.0
#: the priors' ranges: a factor of this either side of the center
RANGE_FACTOR = 100.0
#: word of mouth's correction from Bass's adopters to this week's users (measured: the
#: model at the prior centers on two organizations gave Bass q 0.37 and 0.40 with it)
Q_FACTOR = 1.4
#: the intercept's prior: a normal of this mean and sd on INTERCEPT_RANGE (assumption: at 8
#: the aware try within a week or two, the Bass special case; 3 either way lets the data
#: slow it down or speed it up)
INTERCEPT_PRIOR = (8.0, 3.0)
INTERCEPT_RANGE = (-3.0, 16.0)
#: the market potential's prior: a normal centered on everyone, truncated to MARKET_RANGE
#: (assumption, with a rationale: market sizes fitted on the early years of a series are
#: biased down and grow as years are added; Van den Bulte & Lilien 1997, Marketing Science
#: 16(4):338-353. The prior leans against that bias; the data pull it down where the curve
#: bends early)
MARKET_PRIOR = (1.0, 0.35)
MARKET_RANGE = (0.02, 1.0)


def weekly(rate: float, period_weeks: int) -> float:
    """The weekly rate of a per-period rate."""
    return 1.0 - (1.0 - rate) ** (1.0 / period_weeks)


def mean_tie_weight(org: Organization) -> float:
    """The mean weighted degree of the organization's employees."""
    deg = np.asarray(org.adjacency.sum(axis=1)).ravel()
    return float(deg.mean()) if deg.size and deg.mean() > 0 else 1.0


def default_fit(
    org: Organization, period_weeks: int = 1, first_share: float = 0.0
) -> list[FitParameter]:
    """The default fit set with its priors, for ``org``, periods of ``period_weeks`` and
    ``first_share`` observed in period 1 (0 when not observed)."""
    p = weekly(BASS_P, period_weeks)
    q = Q_FACTOR * weekly(BASS_Q, period_weeks) / mean_tie_weight(org)
    out = [
        _log_normal("behavior.external_awareness", p, 1.0),
        _log_normal("behavior.peer_awareness", q, 10.0),
        FitParameter("tool.market_potential", *MARKET_RANGE, False, *MARKET_PRIOR),
        FitParameter("behavior.intercept", *INTERCEPT_RANGE, False, *INTERCEPT_PRIOR),
    ]
    if first_share > 0:
        out.append(FitParameter("tool.initial_adopters", 0.0, float(min(1.0, first_share))))
    return out


def first_period_share(table: pd.DataFrame) -> float:
    """The largest whole-organization share observed in period 1 (0 if none): an observed
    table's ``week`` (in periods), ``department`` and ``value``."""
    rows = table[(table["week"] == 1) & (table["department"] == "")]
    return float(rows["value"].max()) if len(rows) else 0.0


def _log_normal(path: str, center: float, ceiling: float) -> FitParameter:
    low = center / RANGE_FACTOR
    high = min(ceiling, center * RANGE_FACTOR)
    return FitParameter(path, low, high, True, center, LOG_SPREAD)
