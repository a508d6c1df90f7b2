"""The weekly decision rules of an employee: their parameters and formulas.

The parameters live in :class:`BehaviorParams`, every default with its source or rationale.
The weekly formulas are computed once, in the compiled loops of :mod:`adoptsim.model.kernels`
(utility, learning, motivation, stages); the few computed with NumPy are here.

The choice each week is a binary logit between the new tool and the legacy one
(a random-utility model, McFadden 1974). The utility difference follows the constructs of
UTAUT2 (Venkatesh, Morris, Davis & Davis 2003; Venkatesh, Thong & Xu 2012):

    delta = intercept
          + scale * ( w_performance * (usefulness + connective + communal - legacy_value)
                    - w_effort      * effort
                    + w_social      * social_influence
                    + w_facilitating* facilitating_conditions
                    + w_habit       * (habit_new - habit_legacy) )
          + w_innovativeness * innovativeness        (standard-normal trait)
          - overload_per_tool * tools_in_use
          - reactance_penalty * resentment
          - crowding_penalty  * crowding
          + strategy terms (sponsor endorsement, incentives, control, ...)

    P(use the new tool this week) = 1 / (1 + exp(-delta))
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from adoptsim.errors import StrictNumbers

# Lally, van Jaarsveld, Potts & Wardle (2010), Eur. J. Soc. Psychol. 40:998-1009:
# median 66 days to reach 95 % of the automaticity plateau, range 18-254 days.
LALLY_MEDIAN_DAYS = 66.0
LALLY_RANGE_DAYS = (18.0, 254.0)
DAYS_PER_WEEK = 7.0


class BehaviorParams(StrictNumbers):
    """Parameters of the employees' behaviour (the scenario's ``behavior:`` section).

    Utilities are on the log-odds scale of the weekly choice to use the new tool.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_assignment=True)

    mode: Literal["utility", "bass", "threshold"] = Field(
        "utility",
        description="Decision rule: 'utility' (the UTAUT2 logit of this module); 'bass' "
        "(Bass 1969: external rate bass_p plus imitation bass_q x adopted share) or "
        "'threshold' (Granovetter 1978; complex contagion with threshold_kind: count), the "
        "special cases of the diffusion literature (see adoptsim.model.modes). In the last two, "
        "adoption is decided at once and never lapses.",
    )

    # --- utility weights -------------------------------------------------------------
    # Relative weights are UTAUT2's standardized path coefficients on behavioural intention
    # (Venkatesh, Thong & Xu 2012, MIS Quarterly 36(1), Fig. 2: PE .21, EE .16, SI .14,
    # FC .16, HT .32). `utility_scale` turns them into log-odds; it is a calibration
    # parameter (rationale: with scale 10 a full unit of usefulness advantage moves the
    # weekly odds by e^2.1, i.e. from 50 % to 89 %).
    utility_scale: float = Field(10.0, gt=0, le=100, description="Log-odds per unit of construct.")
    w_performance: float = Field(0.21, ge=0, le=1, description="Performance expectancy weight.")
    w_effort: float = Field(0.16, ge=0, le=1, description="Effort expectancy weight.")
    w_social: float = Field(0.14, ge=0, le=1, description="Social influence weight.")
    w_facilitating: float = Field(0.16, ge=0, le=1, description="Facilitating conditions weight.")
    w_habit: float = Field(0.32, ge=0, le=1, description="Habit weight (new minus legacy).")
    intercept: float = Field(
        0.5,
        ge=-20,
        le=20,
        description="Log-odds of the new tool when every construct is zero (calibration: "
        "with the other defaults, the shipped baseline, an unassisted launch of a somewhat "
        "better tool, reaches about a third of employees active in a year; recalibrate on "
        "pilot data).",
    )
    w_innovativeness: float = Field(
        0.8,
        ge=0,
        le=5,
        description="Log-odds per standard deviation of innovativeness (calibrated so that "
        "adoption order follows Rogers' categories; see validation).",
    )

    # --- awareness ---------------------------------------------------------------------
    external_awareness: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Weekly chance that an unaware employee hears of the tool from "
        "outside the organization's channels (assumption: word of launch spreads slowly "
        "without a campaign; internal marketing adds to it).",
    )
    peer_awareness: float = Field(
        0.3,
        ge=0,
        le=10,
        description="Awareness hazard per unit of tie weight to a neighbour who uses the tool "
        "(assumption; Bass-style imitation term).",
    )

    # --- perceived usefulness -----------------------------------------------------------
    prior_usefulness_bias: float = Field(
        -0.3,
        ge=-5,
        le=5,
        description="Mean gap between expected and true usefulness before use (assumption: "
        "people underrate unfamiliar tools; Davis 1989 finds usefulness is learned).",
    )
    prior_usefulness_sd: float = Field(
        0.3, ge=0, le=5, description="Spread of expected usefulness across employees."
    )
    learning_rate: float = Field(
        0.3,
        gt=0,
        le=1,
        description="Share of the gap between expected and experienced usefulness closed per "
        "week of use (exponential smoothing; assumption).",
    )

    # --- network benefit (connective and communal use; Foote et al. 2024) --------------
    critical_mass: float = Field(
        0.25,
        gt=0,
        le=1,
        description="Share of an employee's tie weight on the tool at which its connective "
        "value is half of the maximum (perceived critical mass, Markus 1987; assumption).",
    )
    critical_mass_steepness: float = Field(
        2.0, ge=1, le=10, description="Hill exponent of the connective value curve."
    )
    information_half: float = Field(
        2.0,
        gt=0,
        description="Information stock at which the communal value is half of the maximum.",
    )
    information_decay: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Weekly decay of the accrued information stock (content goes stale; "
        "assumption: about a year's half-life would be 0.013, a quarter's 0.05).",
    )

    # --- habit (Lally et al. 2010) -----------------------------------------------------
    habit_weeks_median: float = Field(
        LALLY_MEDIAN_DAYS / DAYS_PER_WEEK,
        gt=0,
        description="Median weeks of use to reach 95 % of the habit plateau "
        "(Lally et al. 2010: 66 days).",
    )
    habit_weeks_sigma: float = Field(
        0.6,
        ge=0,
        le=3,
        description="Log-sd of weeks to 95 % across employees (so that the 18-254-day range "
        "of Lally et al. 2010 spans about +-2.2 sd, as for their 39 well-fitted participants).",
    )
    habit_decay: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of habit lost per week without use (assumption: habits fade "
        "slower than they form; Lally et al. found single missed days did not matter).",
    )
    habitual_threshold: float = Field(
        0.95,
        gt=0,
        le=1,
        description="Habit level counted as 'habitual' (Lally et al.'s 95 % of plateau).",
    )
    # 0 so that the control paradox (Deci, Koestner & Ryan 1999) emerges: with any
    # yield above about 0.03, six months of forced surface use teach everyone the tool
    # (effort falls, habit grows) and sustained adoption after control rises with intensity.
    compliance_depth: float = Field(
        0.0,
        ge=0,
        le=1,
        description="What a week of compliance-only (surface) use yields relative to a week of "
        "voluntary use: experience, learning, habit, visibility to colleagues and information "
        "added. Default 0: use that only the pressure explains is not internalized (self-"
        "perception and overjustification: Bem 1967; Lepper, Greene & Nisbett 1973; "
        "autonomous motivation is what strengthens habit, Gardner & Lally 2013), and mandated "
        "users contribute nothing to the tool's public good (Foote, Treem, van den Hooff & "
        "Honcoop 2024). Weeks the employee would have chosen anyway count fully.",
    )

    # --- effort expectancy -------------------------------------------------------------
    learning_weeks: float = Field(
        4.0,
        gt=0,
        description="Weeks of use over which effort falls by a factor e (learning curve).",
    )

    # --- stages --------------------------------------------------------------------------
    adopt_after: int = Field(
        3, ge=1, le=52, description="Weeks of use in a row after which a trier counts as active."
    )
    lapse_after: int = Field(
        4, ge=1, le=52, description="Weeks without use in a row after which a user has lapsed."
    )

    # --- traits --------------------------------------------------------------------------
    tools_in_use_mean: float = Field(
        6.0,
        ge=0,
        le=50,
        description="Mean number of tools an employee already juggles (assumption of the "
        "order reported by practitioner surveys of app overload).",
    )
    overload_per_tool: float = Field(
        0.1,
        ge=0,
        le=2,
        description="Log-odds lost per tool already in use (tool overload; assumption).",
    )
    support: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Baseline facilitating conditions (help desk, documentation), 0..1.",
    )

    # --- motivation: reactance and crowding-out ------------------------------------------
    reactance_penalty: float = Field(
        1.4,
        ge=0,
        le=10,
        description="Log-odds lost at full resentment. An employee of average autonomy (0.5) "
        "under sustained control loses about 0.7 log-odds of voluntary use (reactance "
        "meta-analysis r = .20, Rains 2013, as cited in DESIGN.md).",
    )
    resentment_rate: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Share of the way to its ceiling that resentment moves per week of "
        "control (assumption).",
    )
    resentment_decay: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Weekly decay of resentment once control stops (assumption: resentment "
        "is remembered, Gneezy & Rustichini 2000 show such effects outlast the lever).",
    )
    crowding_penalty: float = Field(
        0.6,
        ge=0,
        le=10,
        description="Log-odds of free-choice use lost by fully crowded-out employees: "
        "Deci, Koestner & Ryan (1999) d = -0.28 to -0.40 for tangible rewards; d*pi/sqrt(3) "
        "gives -0.5 to -0.73 log-odds, midpoint 0.6.",
    )
    crowding_rate: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of the way to full crowding-out moved per week of rewarded or "
        "compliance-only use (assumption).",
    )
    feedback_bonus: float = Field(
        0.6,
        ge=0,
        le=10,
        description="Log-odds gained from positive feedback on use: Deci, Koestner & Ryan "
        "(1999) d = +0.33, i.e. about +0.6 log-odds.",
    )

    # --- special cases: modes 'bass' and 'threshold' (adoptsim.model.modes) ---------------------
    mixing: Literal["network", "well_mixed"] = Field(
        "network",
        description="Modes bass and threshold: whom an employee watches: 'network' (the "
        "share of tie weight, or count of neighbours, that adopted) or 'well_mixed' (the "
        "share, or count, of the whole population, as in Bass 1969 and Granovetter 1978).",
    )
    # Sultan, Farley & Lehmann (1990), J. Marketing Research 27:70-77, meta-analysis of 213
    # Bass-model applications: mean p = 0.03, mean q = 0.38 (per period, usually a year)
    bass_p: float = Field(
        0.03,
        ge=0,
        le=10,
        description="Mode bass: external (innovation) rate per Bass period (Sultan, Farley & "
        "Lehmann 1990: mean 0.03).",
    )
    bass_q: float = Field(
        0.38,
        ge=0,
        le=10,
        description="Mode bass: imitation rate per Bass period, times the adopted share "
        "(Sultan, Farley & Lehmann 1990: mean 0.38).",
    )
    bass_period_weeks: float = Field(
        1.0,
        gt=0,
        le=520,
        description="Mode bass: weeks per Bass period; the weekly adoption hazard is "
        "1 - exp(-(p + q F) / bass_period_weeks). Default 1: p and q are weekly rates. "
        "Ten or more weeks per period approximate the continuous-time Bass curve within "
        "about 0.02 (see adoptsim.validation).",
    )
    threshold_kind: Literal["share", "count"] = Field(
        "share",
        description="Mode threshold: thresholds are shares (of tie weight, or of the "
        "population when well mixed; Granovetter 1978) or counts of adopters (complex "
        "contagion with an absolute threshold k; Centola & Macy 2007).",
    )
    threshold: float = Field(
        0.25,
        ge=0,
        le=1_000_000,
        description="Mode threshold: mean threshold (a share, or a count of adopters). "
        "Granovetter's (1978) worked example has a mean of 25 in 100.",
    )
    threshold_sd: float = Field(
        0.0,
        ge=0,
        le=1_000_000,
        description="Mode threshold: standard deviation of the thresholds (normal, cut at "
        "0; Granovetter 1978 used normal distributions); 0 gives everyone `threshold`.",
    )
    thresholds: list[float] | None = Field(
        None,
        description="Mode threshold: one threshold per employee in the organization's order "
        "(overrides threshold and threshold_sd), e.g. Granovetter's riot 0, 1, 2, ..., 99.",
    )
    threshold_noise: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Mode threshold: weekly probability that an employee who sees some "
        "adoption but less than their threshold adopts anyway (noisy best response; Eckles, "
        "Mossel, Rahimian & Sen 2024 use order n**(-1/threshold)). 0: the deterministic rule.",
    )

    @model_validator(mode="after")
    def _mode_fields(self) -> BehaviorParams:
        if self.mixing == "well_mixed" and self.mode == "utility":
            raise ValueError(
                "mixing: well_mixed applies to modes bass and threshold; the utility mode "
                "always uses the organization's ties"
            )
        if self.thresholds is not None and any(not t >= 0 for t in self.thresholds):
            raise ValueError("thresholds must be numbers >= 0")
        return self


def habit_rates(weeks_to_95: np.ndarray) -> np.ndarray:
    """Per-week habit growth rate that reaches 95 % of the plateau after ``weeks_to_95``
    (asymptotic growth ``h + rate (1 - h)`` per week of use, Lally et al. 2010; the growth
    itself is :func:`adoptsim.model.kernels.learn`)."""
    return 1.0 - np.power(0.05, 1.0 / np.maximum(weeks_to_95, 1e-9))


def communal_value(stock: np.ndarray, half: float) -> np.ndarray:
    """Communal value (0..1) of the information accrued in the tool (Foote et al. 2024)."""
    return stock / (stock + half)


def logistic(x: np.ndarray) -> np.ndarray:
    """The logistic function, numerically safe for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))
