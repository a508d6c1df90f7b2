"""The strategy library: each strategy moves adoption in its documented direction.

Ensembles on a 300-employee organization with fixed seeds; comparisons are paired by
replicate (common random numbers: replicate k of two scenarios shares its seeds).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import adoptsim
from adoptsim.model.engine import CURVE_COLUMNS, Simulation
from adoptsim.model.people import Stage
from adoptsim.runs.runner import build_org
from adoptsim.strategies import REGISTRY
from adoptsim.strategies.docs import ORDER
from tests.conftest import small_scenario

RUNS = 16
SEED = 5


def run(strategies, runs=RUNS, **over) -> adoptsim.Result:
    return adoptsim.run(small_scenario(strategies=strategies, **over), runs=runs, seed=SEED)


def curve(result, column="active_share") -> pd.DataFrame:
    """week x replicate table of a curve column."""
    return result.curves.pivot(index="week", columns="replicate", values=column)


def dept_curve(result, department, column="active_share") -> pd.DataFrame:
    d = result.curves_by_department
    d = d[d.department == department]
    return d.pivot(index="week", columns="replicate", values=column)


def use_history(spec, weeks: int, runs: int = RUNS) -> tuple[np.ndarray, Simulation]:
    """Who used the tool in each week: (weeks, replicates, employees), and the simulation."""
    sim = Simulation(spec, build_org(spec, SEED), SEED, list(range(runs)))
    used = []
    for _ in range(weeks):
        sim.step()
        used.append(sim.used.copy())
    return np.array(used), sim


def first_week(result, event: str) -> pd.Series:
    """(replicate, employee) -> first week of ``event``."""
    e = result.events
    return e[e.event == event].groupby(["replicate", "employee"])["week"].min()


@pytest.fixture(scope="module")
def baseline():
    return run([], weeks=40)


def test_every_strategy_of_the_design_is_registered_and_documented():
    assert set(ORDER) <= set(REGISTRY)
    for name in ORDER:
        cls = REGISTRY[name]
        assert cls.summary and "Mechanism" in cls.__doc__ and "Parameters:" in cls.__doc__
        for field in cls.Params.model_fields:
            if field not in ("type", "name", "start", "end", "target", "cost"):
                assert field in cls.__doc__, f"{name}.{field} is not documented"


# --- evangelists ----------------------------------------------------------------------------
def test_central_evangelists_reach_half_sooner_than_random_ones_which_beat_none():
    weeks = 52

    def weeks_to_half(select):
        strategies = []
        if select:
            target = {"select": select, "count": 10}
            strategies = [{"type": "evangelists", "end": 30, "target": target}]
        r = run(strategies, weeks=weeks)
        return r.summary["weeks_to_50"].fillna(weeks + 1)  # never = after the run

    none, rand, central = (weeks_to_half(s) for s in (None, "random", "degree"))
    assert (central < rand).mean() >= 0.75
    assert rand.mean() - central.mean() > 4
    assert (rand < none).mean() >= 0.9
    assert none.mean() - rand.mean() > 4


def test_evangelists_can_be_recruited_among_active_users():
    spec = small_scenario(
        weeks=12,
        strategies=[
            {"type": "evangelists", "end": 1, "target": {"select": "random", "count": 40}},
            {
                "type": "evangelists",
                "name": "champions",
                "start": 8,
                "target": {"stages": ["active"], "select": "degree", "count": 5},
            },
        ],
    )
    sim = Simulation(spec, build_org(spec, SEED), SEED, list(range(4)))
    for _ in range(7):
        sim.step()
    active_before = sim.stage == Stage.ACTIVE
    sim.step()
    chosen = sim.strategies[1].targets
    assert (chosen.sum(axis=1) == 5).all()
    assert active_before[chosen].all()  # every champion was an active user at week 8


# --- senior sponsor ---------------------------------------------------------------------------
def test_senior_sponsor_lifts_their_reporting_subtree_more_than_the_rest(baseline):
    org = build_org(small_scenario(), SEED)
    head = int(np.flatnonzero(org.level == 1)[0])
    inside = np.zeros(org.n, dtype=bool)
    inside[org.subtree(head)] = True
    inside[head] = False
    ids = np.asarray(org.ids, dtype=str)
    sponsor = {"type": "senior_sponsor", "sponsor": ids[head], "every": 6, "endorsement": 1.5}
    r = run([sponsor], weeks=40)

    def adopted_share(result, members, week=20):
        first = first_week(result, "adoption")
        first = first[first <= week].reset_index()
        first = first[first.employee.isin(ids[members])]
        return first.groupby("replicate").size().reindex(range(RUNS), fill_value=0) / members.sum()

    lift_in = adopted_share(r, inside) - adopted_share(baseline, inside)
    lift_out = adopted_share(r, ~inside) - adopted_share(baseline, ~inside)
    assert lift_in.mean() > 0.1
    assert lift_in.mean() > 2 * lift_out.mean()
    assert (lift_in > lift_out).mean() >= 0.8


# --- model behaviour --------------------------------------------------------------------------
def test_reports_of_managers_who_use_the_tool_adopt_sooner():
    """The same leaders commit in both runs; only the weight of their use for their reports
    differs, so the difference is what their visible use does to their reports."""
    org = build_org(small_scenario(), SEED)
    target = {"departments": ["Sales"], "roles": ["manager", "executive"]}
    leaders = np.isin(org.role, [1, 2]) & (org.department == org.department_code("Sales"))
    reports = (org.manager >= 0) & leaders[np.maximum(org.manager, 0)]
    others = ~reports & ~leaders
    weeks = 30

    def mean_adoption_week(weight, members):
        r = run([{"type": "model_behavior", "target": target, "weight": weight}], weeks=weeks)
        first = first_week(r, "adoption").unstack("employee")
        first = first.reindex(columns=np.asarray(org.ids, dtype=str)).fillna(weeks + 1)
        return first.loc[:, members].mean(axis=1)  # never adopted = after the run

    sooner = mean_adoption_week(0.0, reports) - mean_adoption_week(1.0, reports)
    elsewhere = mean_adoption_week(0.0, others) - mean_adoption_week(1.0, others)
    assert sooner.mean() > 1.5  # weeks
    assert (sooner > 0).mean() >= 0.8
    assert sooner.mean() > 2 * abs(elsewhere.mean())


# --- pilot ----------------------------------------------------------------------------------
def test_nobody_outside_the_pilot_uses_the_tool_before_it_opens():
    pilot = {"type": "pilot", "start": 2, "end": 12, "target": {"departments": ["Sales"]}}
    r = run([pilot], weeks=24)
    org = build_org(small_scenario(), SEED)
    sales = set(np.asarray(org.ids, dtype=str)[org.department == org.department_code("Sales")])
    trials = r.events[r.events.event == "trial"]
    outside = trials[~trials.employee.isin(sales)]
    assert outside.week.min() == 13  # the first week the tool is open to everyone
    assert (trials[trials.employee.isin(sales)].week >= 2).all()
    assert len(trials[trials.week <= 12]) > 0  # the pilot group does use it
    for dept in ("Engineering", "HR"):
        assert (dept_curve(r, dept, "active_share").loc[:12] == 0).all().all()
        assert (dept_curve(r, dept, "aware_share").loc[12] > 0).all()  # they may hear of it


# --- use cases ------------------------------------------------------------------------------
def test_use_case_lifts_the_targeted_groups_more(baseline):
    r = run([{"type": "use_case", "target": {"departments": ["Sales"]}}], weeks=40)
    lift = {d: (dept_curve(r, d) - dept_curve(baseline, d)).loc[30] for d in ("Sales", "HR")}
    assert lift["Sales"].mean() > 0.2
    assert lift["Sales"].mean() > lift["HR"].mean() + 0.1
    assert (lift["Sales"] > lift["HR"]).mean() >= 0.8


def test_new_use_cases_lift_each_group_from_its_week(baseline):
    cases = [
        {"week": 2, "target": {"departments": ["Sales"]}, "value": 0.4},
        {"week": 16, "target": {"departments": ["Engineering"]}, "value": 0.4},
    ]
    r = run([{"type": "new_use_cases", "cases": cases}], weeks=40)
    lift = {d: dept_curve(r, d) - dept_curve(baseline, d) for d in ("Sales", "Engineering", "HR")}
    assert lift["Sales"].loc[15].mean() > lift["Engineering"].loc[15].mean() + 0.1
    late = lift["Engineering"].loc[35] - lift["Engineering"].loc[15]
    assert late.mean() > 0.15  # the later group gains once its use case starts
    assert lift["Engineering"].loc[35].mean() > lift["HR"].loc[35].mean() + 0.1


# --- internal marketing ---------------------------------------------------------------------
@pytest.mark.parametrize("reach", [0.2, 0.6])
def test_internal_marketing_makes_aware_at_the_configured_reach(reach):
    target = {"departments": ["Sales", "Engineering"]}
    spec = small_scenario(
        weeks=4,
        behavior={"external_awareness": 0.0, "peer_awareness": 0.0},
        strategies=[{"type": "internal_marketing", "every": 2, "reach": reach, "target": target}],
    )
    runs = 20
    sim = Simulation(spec, build_org(spec, SEED), SEED, list(range(runs)))
    targets = sim.strategies[0].targets
    sim.step()  # week 1: a campaign
    aware = sim.stage != Stage.UNAWARE
    share = aware[targets].mean()
    sd = np.sqrt(reach * (1 - reach) / targets.sum())
    assert abs(share - reach) < 4 * sd
    assert not aware[~targets].any()  # nobody else hears of it
    before = aware.copy()
    sim.step()  # week 2: no campaign, no other channel
    assert ((sim.stage != Stage.UNAWARE) == before).all()
    sim.step()  # week 3: a campaign reaches `reach` of those still unaware
    again = (sim.stage != Stage.UNAWARE) & ~before & targets
    assert abs(again.sum() / (targets & ~before).sum() - reach) < 4 * sd / np.sqrt(1 - reach)
    events = sim.events.arrays()
    cause = sim.cause_code("internal_marketing")
    assert (events["cause"][events["event"] == 0] == cause).all()


# --- storytelling ---------------------------------------------------------------------------
def test_storytelling_without_successes_changes_nothing():
    # stories in weeks 1-3: nobody has adopted yet, so no story is credible
    story = {"type": "storytelling", "start": 1, "end": 3, "every": 1, "impact": 1.0}
    plain, told = run([], weeks=20), run([story], weeks=20)
    # a story in week w reads the successes of week w - 1
    assert curve(told, "voluntary_share").loc[:2].eq(0).all().all()
    pd.testing.assert_frame_equal(plain.curves, told.curves)


def test_storytelling_persuades_more_with_more_successes():
    story = {"type": "storytelling", "start": 4, "every": 4}

    def story_lift(successes):
        # successes: people made active users in week 1 who then choose freely
        seed = {
            "type": "evangelists",
            "end": 1,
            "platform": 1.0,
            "commitment": 0.0,
            "target": {"select": "random", "count": successes},
        }
        without, with_stories = run([seed], weeks=30), run([seed, story], weeks=30)
        return (curve(with_stories) - curve(without)).loc[30]

    few, many = story_lift(3), story_lift(30)
    assert many.mean() > 0.02
    assert many.mean() > 3 * few.mean()
    assert (many > few).mean() >= 0.75


# --- incentives -----------------------------------------------------------------------------
def test_incentives_raise_use_while_they_last_then_crowd_out_those_rewarded():
    weeks, start, end = 40, 5, 15
    twin, _ = use_history(small_scenario(weeks=weeks), weeks)
    spec = small_scenario(
        weeks=weeks, strategies=[{"type": "incentives", "start": start, "end": end}]
    )
    paid, sim = use_history(spec, weeks)
    window = slice(start - 1, end)  # weeks start..end
    during = paid[window].mean(axis=(0, 2)) - twin[window].mean(axis=(0, 2))
    assert during.mean() > 0
    assert (during > 0).mean() >= 0.8
    rewarded = paid[window].any(axis=0)  # used the tool while rewarded
    later = slice(end + 5, weeks)
    gap = np.array(
        [
            paid[later, r][:, rewarded[r]].mean() - twin[later, r][:, rewarded[r]].mean()
            for r in range(RUNS)
        ]
    )
    assert gap.mean() < -0.015
    assert (gap < 0).mean() >= 0.8
    # every rewarded week of use moved crowding-out toward 1
    assert sim.crowding[rewarded].min() >= spec.behavior.crowding_rate - 1e-12
    assert sim.crowding[~rewarded].max() == 0


def test_recognition_does_not_crowd_out():
    spec = small_scenario(
        weeks=20, strategies=[{"type": "incentives", "start": 2, "end": 10, "kind": "recognition"}]
    )
    used, sim = use_history(spec, 20, runs=4)
    assert sim.crowding.max() == 0
    assert sim.strategies[0].recognized[used[1:10].any(axis=0)].min() > 0


# --- executive reminders --------------------------------------------------------------------
def test_each_reminder_is_weaker_than_the_one_before():
    reminders = {"type": "executive_reminders", "start": 4, "end": 30, "every": 6}
    strategy = REGISTRY["executive_reminders"](
        REGISTRY["executive_reminders"].Params.model_validate(reminders)
    )
    weeks = [4, 10, 16, 22, 28]
    boosts = [strategy.strength(w) for w in weeks]
    assert all(a > b > 0 for a, b in itertools.pairwise(boosts))
    assert strategy.strength(5) < boosts[0]  # and each one fades
    # the population's response at the default decay: the jump in weekly use at each
    # reminder against the twin, per person it could move (aware and not using the week
    # before; that pool grows as awareness spreads, so raw jumps would mix the two)
    base = run([], runs=24, weeks=30)
    nudged = run([reminders], runs=24, weeks=30)
    lift = curve(nudged, "using_share") - curve(base, "using_share")
    pool = curve(base, "aware_share") - curve(base, "using_share")
    jumps = [((lift.loc[w] - lift.loc[w - 1]) / pool.loc[w - 1]).mean() for w in weeks]
    assert all(a > b for a, b in itertools.pairwise(jumps))
    assert jumps[-1] > 0


# --- removing alternatives ------------------------------------------------------------------
def test_removing_alternatives_raises_use_and_the_autonomous_resist_more():
    weeks, start, runs = 20, 8, 24
    twin, _ = use_history(small_scenario(weeks=weeks), weeks, runs)
    spec = small_scenario(
        weeks=weeks, strategies=[{"type": "remove_alternatives", "start": start, "threat": 1.0}]
    )
    retired, sim = use_history(spec, weeks, runs)
    before = retired[: start - 1].mean() - twin[: start - 1].mean()
    assert before == 0  # nothing changes before the retirement week
    after = slice(start, weeks)
    lift = retired[after].mean(axis=0) - twin[after].mean(axis=0)  # per employee
    assert lift.mean() > 0.3
    autonomy = sim.traits.autonomy
    slopes = np.array([np.polyfit(autonomy[r], lift[r], 1)[0] for r in range(runs)])
    assert slopes.mean() < -2 * slopes.std() / np.sqrt(runs)
    assert (slopes < 0).mean() >= 0.65


# --- heavy control: the control paradox -----------------------------------------------------
@pytest.fixture(scope="module")
def control_runs():
    weeks, start, end = 60, 4, 24
    out = {}
    for intensity in (0.0, 0.5, 1.0, 2.0, 4.0, 8.0):
        strategies = []
        if intensity:
            strategies = [
                {
                    "type": "heavy_control",
                    "start": start,
                    "end": end,
                    "intensity": intensity,
                    "cost": {"per_week": 1000},
                }
            ]
        out[intensity] = run(strategies, weeks=weeks)
    support = {
        "type": "community_management",
        "start": start,
        "end": end,
        "cost": {"per_week": 1000},
    }
    out["support"] = run([support], weeks=weeks)
    return out


def test_heavy_control_raises_surface_use_during_control(control_runs):
    using = [curve(control_runs[i], "using_share").loc[20] for i in (0.0, 2.0, 4.0, 8.0)]
    for lower, higher in itertools.pairwise(using):
        assert (higher > lower).mean() >= 0.9
    assert using[-1].mean() > 0.8
    comp = curve(control_runs[8.0], "compliance_share").loc[20]
    assert comp.mean() > 0.3  # most of it is compliance


def test_control_paradox_sustained_adoption_falls_past_a_point(control_runs):
    sustained = {i: control_runs[i].summary["sustained_share"] for i in (0.0, 0.5, 1, 2, 4, 8)}
    means = {i: s.mean() for i, s in sustained.items()}
    peak = max(means, key=means.get)
    assert 0 < peak < 8  # some control helps, up to a point
    past = [i for i in means if i >= peak]
    for lower, higher in itertools.pairwise(past):
        assert (sustained[higher] < sustained[lower]).mean() >= 0.8
    assert means[peak] - means[8] > 0.2
    assert means[8] < means[0]  # heavy control ends below doing nothing


def test_support_beats_heavy_control_of_equal_cost(control_runs):
    heavy, support = control_runs[8.0].summary, control_runs["support"].summary
    assert np.allclose(heavy["cost"], support["cost"])
    diff = support["sustained_share"] - heavy["sustained_share"]
    assert diff.mean() > 0.2
    assert (diff > 0).all()


# --- support, training, consolidation -------------------------------------------------------
def lapse_rate(result) -> pd.Series:
    counts = result.events.groupby(["replicate", "event"]).size().unstack(fill_value=0)
    return counts["lapse"] / counts["trial"]


def test_community_management_lowers_lapses(baseline):
    follow_up = {"type": "community_management", "support": 0.0, "effort_reduction": 0.0}
    r = run([{**follow_up, "peer_help": 0.0}], weeks=40)
    drop = lapse_rate(baseline) - lapse_rate(r)
    assert drop.mean() > 0.1
    assert (drop > 0).mean() >= 0.8
    full = run([{"type": "community_management"}], weeks=40)
    assert (full.summary["lapses"] < baseline.summary["lapses"]).mean() >= 0.8


def test_training_shortens_trial_to_active(baseline):
    trained = run([{"type": "training", "start": 1}], weeks=40)

    def weeks_trial_to_active(result, horizon=10):
        trial, adoption = first_week(result, "trial"), first_week(result, "adoption")
        adoption = adoption.reindex(trial.index).fillna(np.inf)
        # not active within `horizon` weeks counts as `horizon`
        return (np.minimum(adoption, trial + horizon) - trial).groupby("replicate").mean()

    shorter = weeks_trial_to_active(baseline) - weeks_trial_to_active(trained)
    assert shorter.mean() > 1.0
    assert (shorter > 0).mean() >= 0.9


def test_training_sessions_train_a_share_each_time():
    spec = small_scenario(
        weeks=10, strategies=[{"type": "training", "every": 3, "end": 9, "per_session": 0.5}]
    )
    sim = Simulation(spec, build_org(spec, SEED), SEED, list(range(8)))
    trained = []
    for _ in range(10):
        sim.step()
        trained.append(sim.strategies[0].targets.mean())
    # sessions in weeks 1, 4, 7: half of the untrained each time
    assert trained[0] == pytest.approx(0.5, abs=0.05)
    assert trained[3] == pytest.approx(0.75, abs=0.05)
    assert trained[6] == pytest.approx(0.875, abs=0.05)
    assert trained[1] == trained[0] and trained[9] == trained[6]
    assert sim.strategies[0].occurrences(10) == 3


def test_tool_consolidation_raises_adoption(baseline):
    r = run([{"type": "tool_consolidation", "tools": 3}], weeks=40)
    lift = (curve(r) - curve(baseline)).loc[30]
    assert lift.mean() > 0.03
    assert (lift > 0).mean() >= 0.9


# --- adapt ----------------------------------------------------------------------------------
def test_adapt_fires_exactly_where_its_condition_holds(baseline):
    week = 15
    values = curve(baseline).loc[week]
    target = float(values.median())  # about half of the replicates are under it
    rule = {
        "type": "adapt",
        "metric": "active_share",
        "below": target,
        "at": [week],
        "then": {"type": "executive_reminders", "boost": 2.0},
        "duration": 10,
    }
    r = run([rule], weeks=40)
    expected = set(values[values < target].index)
    assert 0 < len(expected) < RUNS
    fired = r.events[(r.events.event == "strategy") & (r.events.cause == "adapt")]
    assert set(fired.replicate) == expected
    assert (fired.week == week + 1).all()
    assert set(r.strategy_log.replicate) == expected
    assert r.strategy_log.detail.str.contains("active_share").all()
    # nothing changes before the response starts, and only where the rule fired
    a, b = curve(r), curve(baseline)
    pd.testing.assert_frame_equal(a.loc[:week], b.loc[:week])
    quiet = sorted(set(range(RUNS)) - expected)
    pd.testing.assert_frame_equal(a[quiet], b[quiet])
    assert (a.loc[week + 10, sorted(expected)] > b.loc[week + 10, sorted(expected)]).mean() > 0.8
    causes = r.events[r.events.cause == "adapt/executive_reminders"]
    assert set(causes.replicate) <= expected and len(causes) > 0


def test_adapt_does_not_fire_when_the_condition_never_holds(baseline):
    highest = float(curve(baseline).loc[[5, 10, 15]].max().max())
    rule = {
        "type": "adapt",
        "above": highest,  # strictly above: no replicate qualifies in any check week
        "every": 5,
        "start": 5,
        "end": 15,
        "then": {"type": "executive_reminders"},
    }
    r = run([rule], weeks=40)
    assert not (r.events.event == "strategy").any()
    assert r.strategy_log.empty
    pd.testing.assert_frame_equal(r.curves, baseline.curves)


def test_adapt_counts_the_cost_only_where_it_fired(baseline):
    values = curve(baseline).loc[10]
    target = float(values.median())
    rule = {
        "type": "adapt",
        "below": target,
        "at": [10],
        "then": {"type": "training", "cost": {"fixed": 1000}},
        "cost": {"per_occurrence": 10},
    }
    r = run([rule], weeks=40)
    expected = 10 + 1000 * (values < target)
    assert np.allclose(r.summary["cost"].to_numpy(), expected.to_numpy())


@pytest.mark.parametrize(
    "rule, message",
    [
        ({"below": 0.3, "above": 0.1, "at": [4]}, "exactly one target"),
        ({"below": 0.3}, "check weeks"),
        ({"below": 0.3, "at": [4], "then": {"type": "training", "start": 3}}, "duration"),
        ({"below": 0.3, "at": [4], "then": {"type": "trainig"}}, 'did you mean "training"'),
        ({"below": 0.3, "at": [4], "then": {"type": "training", "speed": 1}}, "speed"),
        ({"metric": "active", "below": 0.3, "at": [4]}, "metric"),
    ],
)
def test_adapt_rules_are_validated(rule, message):
    data = {"type": "adapt", "then": {"type": "executive_reminders"}, **rule}
    with pytest.raises(adoptsim.ScenarioError, match=message):
        small_scenario(strategies=[data])


def test_adapt_metric_choices_are_the_curve_columns():
    field = REGISTRY["adapt"].Params.model_fields["metric"]
    assert set(field.annotation.__args__) == set(CURVE_COLUMNS)


# --- costs and targets ----------------------------------------------------------------------
def test_repeating_strategies_charge_per_occurrence():
    spec = small_scenario(
        weeks=20,
        strategies=[
            {
                "type": "internal_marketing",
                "start": 2,
                "end": 11,
                "every": 3,
                "cost": {"per_occurrence": 100, "per_week": 1},
            }
        ],
    )
    r = adoptsim.run(spec, runs=2, seed=SEED)
    assert np.allclose(r.summary["cost"], 4 * 100 + 10 * 1)  # campaigns in weeks 2, 5, 8, 11


def test_unknown_employee_in_a_target_is_a_clear_error():
    spec = small_scenario(strategies=[{"type": "use_case", "target": {"employees": ["nobody"]}}])
    with pytest.raises(adoptsim.ScenarioError, match="no employee with id 'nobody'"):
        Simulation(spec, build_org(spec, SEED), SEED, [0])


def test_results_do_not_depend_on_the_batch_size_with_the_new_strategies():
    strategies = [
        {"type": "adapt", "at": [10], "below": 0.02, "then": {"type": "training", "every": 3}},
        {"type": "storytelling", "start": 5},
        {"type": "incentives", "start": 3, "end": 9, "target": {"select": "random", "share": 0.3}},
        {"type": "community_management", "start": 2},
    ]
    spec = small_scenario(weeks=20, strategies=strategies)
    whole = adoptsim.run(spec, runs=6, seed=SEED)
    split = adoptsim.run(spec, runs=6, seed=SEED, batch_size=4)
    assert 0 < whole.strategy_log.replicate.nunique() <= 6
    pd.testing.assert_frame_equal(whole.curves, split.curves)
    pd.testing.assert_frame_equal(whole.events, split.events)
    pd.testing.assert_frame_equal(whole.summary, split.summary)
