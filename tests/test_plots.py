"""Charts: every kind renders to PNG, SVG and PDF with its labels; the network chart's
stages, layout, refusal and the organization saved with the result; the funnel's
intervals; the plot command."""

from __future__ import annotations

import dataclasses
import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import adoptsim
from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.model.people import Stage
from adoptsim.runs.compare import Comparison, compare
from adoptsim.runs.result import Result
from adoptsim.runs.runner import build_org
from adoptsim.viz import comparison as viz_comparison
from adoptsim.viz import networks, plots
from tests.conftest import SCENARIOS, small_scenario

ORG = {"generate": {"employees": 300, "departments": ["Sales", "Ops", "HR"]}}


def plan(name: str, *strategies: dict) -> adoptsim.Scenario:
    return small_scenario(name=name, weeks=24, organization=ORG, strategies=list(strategies))


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare(
        [
            plan("baseline"),
            plan(
                "evangelists",
                {
                    "type": "evangelists",
                    "start": 1,
                    "end": 12,
                    "target": {"select": "degree", "share": 0.05},
                    "cost": {"fixed": 2000},
                },
            ),
            plan(
                "heavy_control",
                {"type": "heavy_control", "start": 4, "end": 16, "cost": {"per_week": 100}},
            ),
        ],
        runs=4,
        seed=5,
    )


@pytest.fixture(scope="module")
def result(comparison) -> adoptsim.Result:
    return comparison.results[2]


def texts(fig) -> str:
    """Every text of a figure (titles, labels, ticks, legends, annotations)."""
    return " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


MAGIC = {"png": b"\x89PNG", "svg": b"<svg", "pdf": b"%PDF"}


@pytest.mark.parametrize("kind", list(plots.KINDS))
def test_every_kind_renders_to_png_svg_pdf_with_labels(comparison, kind):
    figures = plots.draw(comparison, kind, weeks=[4, 12, 24], plan="heavy_control")
    assert len(figures) == 1
    for stem, fig in figures:
        assert stem.startswith(kind)
        words = texts(fig)
        assert "adoptsim" in words and "seed 5" in words, "source line"
        drawn = [
            ax
            for ax in fig.axes
            if ax.get_visible() and ax.axison and ax.get_label() != "<colorbar>"
        ]
        if drawn:  # charts with axes: a title, an x label with its unit, a y label or names
            assert all(ax.get_title(loc="left") or ax.get_title() for ax in drawn) or fig.texts
            assert any(ax.get_xlabel() for ax in drawn), stem
            assert any(
                ax.get_ylabel() or any(t.get_text() for t in ax.get_yticklabels()) for ax in drawn
            ), stem
        else:  # network charts: one titled panel per week
            assert sum(ax.get_title().startswith("week") for ax in fig.axes) == 3
        if kind in ("adoption", "stages", "compare", "departments", "roles"):
            assert "week since launch" in words
        if kind in ("adoption", "stages", "funnel"):
            assert "employees (%)" in words
        if kind in ("compare", "cost", "differences", "plans", "funnel"):
            assert all(name in words for name in comparison.names), "every plan is named"
        if kind == "differences":
            assert "percentage points" in words and "against baseline" in words
        for fmt, magic in MAGIC.items():
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=40)
            head = buf.getvalue()[:400]
            assert magic in head, (stem, fmt)
        plots.close(fig)


def test_per_plan_kinds_are_drawn_for_every_plan(comparison):
    figures = plots.draw(comparison, "adoption")
    assert [stem for stem, _ in figures] == [f"adoption_{n}" for n in comparison.names]
    for _, fig in figures:
        plots.close(fig)


def test_time_charts_mark_strategy_weeks(result):
    fig = plots.adoption(result)
    assert "heavy_control" in texts(fig)  # the window's label
    spans = [p for p in fig.axes[0].patches if p.get_alpha() == 0.07]
    assert spans, "strategy weeks are shaded"
    x0 = spans[0].get_x() if hasattr(spans[0], "get_x") else spans[0].get_xy()[0][0]
    assert x0 == pytest.approx(3.5)
    plots.close(fig)


def test_stages_replayed_from_events_match_the_curves(result):
    org = plots.organization_of(result)
    weeks = [1, 5, 12, 24]
    for rep in (0, 3):
        stages = plots.stages_at(result.events, org.ids, weeks, rep)
        curves = result.curves[result.curves["replicate"] == rep].set_index("week")
        for k, w in enumerate(weeks):
            st = stages[k]
            row = curves.loc[w]
            assert np.mean(st != Stage.UNAWARE) == pytest.approx(row["aware_share"])
            assert np.mean(st == Stage.TRYING) == pytest.approx(row["trying_share"])
            assert np.mean(st == Stage.ACTIVE) == pytest.approx(row["active_share"])
            assert np.mean(st == Stage.LAPSED) == pytest.approx(row["lapsed_share"])


def test_the_organization_is_kept_with_the_result_and_saved(result, tmp_path):
    org = plots.organization_of(result)
    spec = adoptsim.Scenario.model_validate(result.manifest["scenario"])
    same = build_org(spec, result.manifest["seed"])
    assert list(org.ids) == list(same.ids)
    np.testing.assert_array_equal(org.edge_src, same.edge_src)
    np.testing.assert_array_equal(org.manager, same.manager)
    back = plots.organization_of(Result.load(result.save(tmp_path / "out")))
    assert back.departments == org.departments
    for name in ("ids", "department", "role", "level", "manager", "edge_src", "edge_dst"):
        np.testing.assert_array_equal(getattr(back, name), getattr(org, name), err_msg=name)
    np.testing.assert_array_equal(back.edge_weight, org.edge_weight)


def test_an_imported_organization_needs_no_file_after_the_run(tmp_path):
    spec = adoptsim.load_scenario(SCENARIOS / "imported_org.yaml").with_changes(weeks=6)
    result = adoptsim.run(spec, runs=2, seed=1)
    result.manifest["scenario_file"] = str(tmp_path / "elsewhere" / "imported_org.yaml")
    loaded = Result.load(result.save(tmp_path / "out"))
    assert plots.organization_of(loaded).n == result.manifest["employees"]
    plots.close(plots.network(loaded, weeks=[3, 6]))


def test_each_run_keeps_its_own_organization_when_drawn_anew(tmp_path):
    spec = small_scenario(weeks=4, organization=ORG)
    result = adoptsim.run(spec, runs=3, seed=2, new_org_per_replicate=True)
    loaded = Result.load(result.save(tmp_path / "out"))
    assert len(loaded.organizations) == 3
    for rep in range(3):
        same = build_org(spec, 2, rep)
        np.testing.assert_array_equal(plots.organization_of(loaded, rep).edge_src, same.edge_src)
    with pytest.raises(plots.ChartError, match="replicate 3"):
        plots.organization_of(loaded, 3)


def test_results_saved_without_the_organization_name_the_missing_file(result, tmp_path):
    folder = result.save(tmp_path / "old")
    (folder / "organization.npz").unlink()  # as written by versions before it was saved
    (folder / "checksums.sha256").unlink()
    old = Result.load(folder)
    assert old.organizations == []
    for chart in (plots.network, plots.network_departments):
        with pytest.raises(InputError, match=r"organization\.npz is missing"):
            chart(old)
    res = runner.invoke(app, ["plot", str(folder), "--out", str(tmp_path / "charts")])
    assert res.exit_code == 0, res.output
    assert "skipped" in res.output and "organization.npz" in res.output
    assert (tmp_path / "charts" / "adoption.png").exists()
    res = runner.invoke(app, ["plot", str(folder), "--kind", "network"])
    assert res.exit_code == 2 and "organization.npz" in res.output
    assert "Traceback" not in res.output


def test_funnel_draws_a_mean_outside_its_interval(result):
    """Most runs reach 100 %, one does not: the mean lies below the 5th percentile."""
    last = result.curves[result.curves["week"] == result.curves["week"].max()]
    row = last.iloc[[0]]
    many = pd.concat([row.assign(replicate=k) for k in range(40)], ignore_index=True)
    for column in ("aware_share", "ever_tried_share", "active_share", "habitual_share"):
        many[column] = 1.0
        many.loc[0, column] = 0.95
    skewed = dataclasses.replace(result, curves=many)
    mean = 100 * many["active_share"].mean()
    low = 100 * many["active_share"].quantile(0.05)
    assert mean < low  # the case matplotlib's error bars refuse
    for fig in (plots.funnel(skewed), plots.funnel([skewed, result])):
        assert f"{mean:.0f}" in texts(fig)
        plots.close(fig)


def test_tree_layout_follows_the_hierarchy(result):
    org = plots.organization_of(result)
    pos = plots.tree_layout(org)
    radius = np.hypot(pos[:, 0], pos[:, 1])
    np.testing.assert_allclose(radius, org.level, atol=1e-9)
    # every employee sits in the angular sector of their manager's subtree
    angle = np.mod(np.arctan2(pos[:, 1], pos[:, 0]) - np.pi / 2, 2 * np.pi)
    top = np.flatnonzero(org.level == 1)
    owner = np.full(org.n, -1)
    owner[top] = top
    for lv in range(2, int(org.level.max()) + 1):
        at = np.flatnonzero(org.level == lv)
        owner[at] = owner[org.manager[at]]
    for head in top:
        inside = angle[owner == head]
        others = angle[(owner >= 0) & (owner != head)]
        lo, hi = inside.min(), inside.max()
        assert not np.any((others > lo) & (others < hi)), "sectors do not overlap"


def test_network_refuses_large_organizations_and_departments_draw_instead(result, monkeypatch):
    monkeypatch.setattr(networks, "MAX_NETWORK_EMPLOYEES", 100)
    with pytest.raises(plots.ChartError) as err:
        plots.network(result)
    message = str(err.value)
    assert "300 employees" in message and "at most 100" in message
    assert "network-departments" in message
    fig = plots.network_departments(result, weeks=[6, 24])
    words = texts(fig)
    for dept in ("Sales", "Ops", "HR"):
        assert dept in words
    assert "active share" in words
    plots.close(fig)
    assert "network-departments" in plots.default_kinds(result)


def test_network_rejects_weeks_outside_the_run(result):
    with pytest.raises(plots.ChartError, match="outside the run"):
        plots.network(result, weeks=[30])
    with pytest.raises(plots.ChartError, match="replicate 9"):
        plots.network(result, replicate=9)


def test_differences_need_a_comparison(result):
    with pytest.raises(plots.ChartError, match="comparison"):
        plots.draw(result, "differences")
    with pytest.raises(plots.ChartError, match="unknown chart kind"):
        plots.draw(result, "pie")


def test_scaled_draws_smaller_and_restores(result):
    with plots.scaled(size=0.5, font=0.75):
        small = plots.adoption(result)
    big = plots.adoption(result)
    assert small.get_figwidth() == pytest.approx(big.get_figwidth() / 2)
    plots.close(small)
    plots.close(big)


runner = CliRunner()


@pytest.fixture(scope="module")
def folders(comparison, tmp_path_factory):
    root = tmp_path_factory.mktemp("plots")
    comparison.save(root / "cmp")
    return root / "cmp", root / "cmp" / "heavy_control"


def test_cli_plot_writes_the_asked_kinds_and_formats(folders, tmp_path):
    cmp_folder, one = folders
    res = runner.invoke(
        app,
        [
            "plot",
            str(one),
            "--kind",
            "stages",
            "--kind",
            "network",
            "--format",
            "svg",
            "--dpi",
            "60",
            "--weeks",
            "4,24",
            "--out",
            str(tmp_path / "a"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "a" / "stages.svg").exists()
    assert (tmp_path / "a" / "network.svg").exists()
    res = runner.invoke(app, ["plot", str(cmp_folder), "--dpi", "50", "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    for kind in plots.default_kinds(Comparison.load(cmp_folder)):
        assert (tmp_path / "b" / f"{kind}.png").read_bytes().startswith(b"\x89PNG"), kind
    res = runner.invoke(
        app,
        [
            "plot",
            str(cmp_folder),
            "--kind",
            "adoption",
            "--plan",
            "evangelists",
            "--out",
            str(tmp_path / "c"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["adoption_evangelists.png"]


def test_cli_plot_errors_exit_2_without_traceback(folders, tmp_path, monkeypatch):
    cmp_folder, one = folders
    cases = [
        (["plot", str(one), "--kind", "pie"], "network-departments"),
        (["plot", str(one), "--format", "gif"], "png, svg, pdf"),
        (["plot", str(tmp_path / "nowhere")], "no such folder"),
        (["plot", str(one), "--kind", "differences"], "comparison"),
        (["plot", str(one), "--kind", "network", "--weeks", "3,x"], "--weeks"),
        (["plot", str(cmp_folder), "--kind", "adoption", "--plan", "nope"], "baseline"),
    ]
    monkeypatch.setattr(networks, "MAX_NETWORK_EMPLOYEES", 100)
    cases.append((["plot", str(one), "--kind", "network"], "at most 100"))
    for args, needle in cases:
        res = runner.invoke(app, [*args, "--out", str(tmp_path / "x")])
        assert res.exit_code == 2, (args, res.output)
        assert needle in res.output, (args, res.output)
        assert "Traceback" not in res.output


def test_a_difference_of_zero_in_every_run_is_drawn_readably():
    """Two plans with no cost: the cost panel spans -1..1 and says there is no difference
    (it used to squeeze the axis into ticks all labelled '-0' and '0')."""
    pair = compare(
        [plan("a"), plan("b", {"type": "heavy_control", "start": 2, "end": 6})], runs=3, seed=2
    )
    fig = viz_comparison.differences(pair, which=["cost", "final_active_share"])
    cost = next(ax for ax in fig.axes if ax.get_title(loc="left") == "cost")
    assert cost.get_xlim() == (-1.0, 1.0)
    labels = [t.get_text() for t in cost.get_xticklabels()]
    assert labels and "-0" not in labels
    assert "no difference in any run" in texts(fig)
    share = next(ax for ax in fig.axes if ax.get_title(loc="left") == "final active share")
    assert share.get_xlim() != (-1.0, 1.0)
    plt.close(fig)


def test_week_axes_have_whole_week_ticks(result):
    [(_, fig)] = plots.draw(result, "adoption")
    ax = next(a for a in fig.axes if a.get_xlabel() == "week since launch")
    ticks = ax.get_xticks()
    assert len(ticks) >= 3 and np.allclose(ticks, np.round(ticks))
    plt.close(fig)
