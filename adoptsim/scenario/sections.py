"""The settings sections of a scenario file: the tool, the legacy tool, the calibration
(the scenario itself is :class:`adoptsim.scenario.schema.Scenario`)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from adoptsim.errors import StrictNumbers

#: the most weeks a scenario simulates (and so the latest week an observation may hold)
MAX_WEEKS = 520


class ToolSpec(StrictNumbers):
    """The new tool."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field("new tool", description="What the tool is called in reports.")
    value: float = Field(
        1.2,
        ge=0,
        le=10,
        description="Usefulness of the tool once learned, on the scale where the legacy tool "
        "is `legacy.value` (default: somewhat better than the legacy tool).",
    )
    learning_effort: float = Field(
        1.0, ge=0, le=10, description="Effort expectancy before any use (falls with use)."
    )
    network_effect: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Usefulness added when all of one's collaborators use the tool "
        "(connective use; Foote et al. 2024).",
    )
    communal_effect: float = Field(
        0.3,
        ge=0,
        le=10,
        description="Usefulness added by a full stock of accrued information (communal use).",
    )
    information_per_use: float = Field(
        0.5,
        ge=0,
        le=100,
        description="Information added to the stock per week when everybody uses the tool.",
    )
    market_potential: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Share of employees for whom the tool has a use at all (the Bass (1969) "
        "market size m): the others may hear of it but never try it. Who is in the market is "
        "drawn per replicate from its own stream, nested across values (1: everyone, no draw).",
    )
    initial_adopters: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of employees already using the tool at week 0 (before the "
        "launch or before the first observed period): the most innovative of its market.",
    )
    market_by_department: dict[str, float] = Field(
        default_factory=dict,
        description="Market potential of named departments (0..1], overriding "
        "market_potential for their members.",
    )

    @field_validator("market_by_department")
    @classmethod
    def _shares(cls, value: dict[str, float]) -> dict[str, float]:
        for dept, share in value.items():
            if not 0 < share <= 1:
                raise ValueError(f"market_by_department[{dept}] is {share}; allowed: 0 < x <= 1")
        return value


class HabitDistribution(StrictNumbers):
    """A Beta distribution of habit strength given by its mean and sd."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    mean: float = Field(0.95, gt=0, lt=1, description="Mean habit strength (0..1).")
    sd: float = Field(0.04, gt=0, lt=0.5, description="Standard deviation across employees.")

    @model_validator(mode="after")
    def _feasible(self) -> HabitDistribution:
        if self.sd**2 >= self.mean * (1 - self.mean):
            raise ValueError(
                f"sd {self.sd} is too large for mean {self.mean}: a Beta distribution needs "
                f"sd < {(self.mean * (1 - self.mean)) ** 0.5:.3f}"
            )
        return self


class LegacySpec(StrictNumbers):
    """The tool people use today (e-mail, shared drives, ...)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field("legacy tools", description="What the legacy tool is called.")
    value: float = Field(1.0, ge=0, le=10, description="Usefulness of the legacy tool.")
    habit: HabitDistribution = Field(
        default_factory=HabitDistribution,
        description="Habit strength for the legacy tool at launch, which is also each "
        "employee's plateau: practised, the legacy habit returns to it; unpractised, it "
        "decays (assumption: a tool used daily for years sits near the top of the scale for "
        "most people, mean 0.95, sd 0.04).",
    )


#: what a scenario's name may hold (it names the default output folder: no separators, no
#: parent references, no control characters or markup)
class UncertainRange(StrictNumbers):
    """A parameter each replicate draws uniformly between ``low`` and ``high``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> UncertainRange:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) must not be above high ({self.high:g})")
        return self


class CalibrationRef(StrictNumbers):
    """A calibration in the scenario file: what to fit to which observed weeks (read by
    ``adoptsim calibrate``), and the posterior it gave (written into ``calibrated.yaml``)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    posterior: str | None = Field(
        None,
        description="Posterior CSV (relative to the scenario file): each replicate of a run "
        "draws its fitted parameters from it.",
    )
    draws: str | None = Field(
        None,
        description="CSV of each replicate's own parameter values (relative to the scenario "
        "file): one column per parameter path, row r for replicate r, used as they are (an "
        "optimization's uncertainty draws, so that `best.yaml` reruns the search's figures).",
    )
    uncertainty: dict[str, UncertainRange] | None = Field(
        None,
        description="Parameter paths each replicate draws uniformly in `{low, high}` (an "
        "optimization's uncertainty, in its `best.yaml`); replicate r's draw depends on the "
        "seed and r only, so more runs repeat the first ones and draw more.",
    )
    observed: str | None = Field(
        None, description="Observed weeks CSV for `adoptsim calibrate` (relative to the file)."
    )
    fit: list[str] = Field(
        default_factory=list,
        description="Parameters to fit, each `PATH=LO:HI`, `PATH=LO:HI:log`, with an optional "
        "`:normal(MU,SD)` prior (default: the default fit set, docs/calibration.md).",
    )
    method: Literal["abc", "optimize"] = Field(
        "abc",
        description="`abc` (ABC-SMC: a posterior sample) or `optimize` (an Optuna point fit).",
    )
    population: int = Field(300, ge=20, le=20_000, description="ABC particles per generation.")
    generations: int = Field(
        15,
        ge=1,
        le=50,
        description="Most ABC generations after the prior's (a run stops sooner once it "
        "converges).",
    )
    max_simulations: int = Field(
        40_000,
        ge=100,
        le=10_000_000,
        description="ABC's simulation budget: a run that reaches it stops, not converged.",
    )
    period_weeks: int = Field(
        1,
        ge=1,
        le=MAX_WEEKS,
        description="Model weeks per observed period: observed period k is model week "
        "k x period_weeks (e.g. 4 for monthly data, 52 for yearly data on a weekly model).",
    )
    trials: int = Field(300, ge=10, le=100_000, description="Trials of `method: optimize`.")
    replicates: int = Field(1, ge=1, le=100, description="Simulated pilots per particle.")
