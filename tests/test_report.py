"""The one-page report: content, self-contained HTML, one-page PDF, assumptions, CLI."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

import adoptsim
from adoptsim import report
from adoptsim.cli import app
from adoptsim.report import charts as report_charts
from adoptsim.runs.compare import Comparison, compare, format_value
from tests.conftest import small_scenario

ORG = {"generate": {"employees": 250, "departments": ["Sales", "Ops"]}}


def plan(name: str, description: str = "", *strategies: dict, **over) -> adoptsim.Scenario:
    return small_scenario(
        name=name,
        description=description,
        weeks=20,
        organization=ORG,
        strategies=list(strategies),
        **over,
    )


@pytest.fixture(autouse=True)
def low_resolution(monkeypatch):
    """Charts at screen resolution: the tests check content, not sharpness."""
    monkeypatch.setattr(report_charts, "CHART_DPI", 60)


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare(
        [
            plan("status_quo", "No rollout strategy.", behavior={"adopt_after": 2}),
            plan(
                "sponsor",
                "The CEO endorses the tool.",
                {"type": "senior_sponsor", "start": 2, "end": 14, "cost": {"per_week": 300}},
                behavior={"adopt_after": 2},
            ),
            plan(
                "champions",
                "Champions in every department.",
                {
                    "type": "evangelists",
                    "start": 1,
                    "end": 10,
                    "platform": 4.0,
                    "target": {"select": "degree", "share": 0.04, "per_department": True},
                    "cost": {"fixed": 3000},
                },
                behavior={"adopt_after": 2},
            ),
        ],
        runs=4,
        seed=9,
    )


@pytest.fixture(scope="module")
def content(comparison) -> report.Report:
    return report.build(comparison)


@pytest.fixture(scope="module")
def html_text(content) -> str:
    return report.html(content)


def sustained(comparison: Comparison, name: str) -> str:
    row = comparison.table.set_index(["scenario", "metric"]).loc[(name, "sustained_share")]
    return format_value(row)[0]


def test_html_holds_the_headline_numbers_of_every_plan(comparison, html_text):
    for name in comparison.names:
        assert name in html_text
        assert sustained(comparison, name) in html_text
    best = comparison.ranking[0]
    assert f"{best} ranks first on sustained (voluntary) share" in html_text
    assert "Δ" in html_text and "90 % of runs" in html_text
    assert "Which of these 3 rollout plans" in html_text


def test_html_is_self_contained(comparison, html_text):
    images = re.findall(r'<img[^>]*src="([^"]+)"', html_text)
    assert len(images) == 4
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:4] == b"\x89PNG"
    assert not re.search(r'(src|href)="(https?:|//|file:)', html_text)
    assert "<script" not in html_text


def test_html_lists_plans_assumptions_and_method(comparison, html_text):
    assert "The CEO endorses the tool." in html_text
    assert "senior_sponsor, weeks 2–14" in html_text
    assert "platform 4" in html_text  # a strategy setting that differs from its default
    assert "behavior.adopt_after: 2 (default 3)" in html_text
    assert "common random numbers" in html_text
    assert "4 runs" in html_text and "root seed 9" in html_text
    assert adoptsim.__version__ in html_text
    for r in comparison.results:
        assert r.manifest["scenario_hash"][:10] in html_text


def test_assumptions_are_the_parameters_that_differ_from_defaults(comparison):
    table = report.assumptions(comparison.results)
    params = set(table["parameter"])
    assert "behavior.adopt_after" in params
    assert "organization.generate.employees" in params
    assert "behavior.lapse_after" not in params  # at its default everywhere
    assert not any(p.endswith(".name") for p in params)
    row = table.set_index("parameter").loc["behavior.adopt_after"]
    assert row["default"] == 3 and row["sponsor"] == 2


def test_pdf_is_one_page_with_the_charts(comparison, content, tmp_path):
    path = report.write(content, tmp_path / "r.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1  # one page
    assert len(re.findall(rb"/Subtype\s*/Image", data)) >= 4
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        for name in comparison.names:
            assert name in text
            assert sustained(comparison, name) in text
        assert "ASSUMPTIONS" in text and "METHOD" in text


def test_single_plan_report(comparison, tmp_path):
    result = comparison.results[1]
    content = report.build(result, question="Should the CEO sponsor the tool?")
    labels = [row["label"] for row in content.rows]
    assert "weeks to 50 % active" in labels and "cost per sustained adopter" in labels
    assert len(content.charts) == 4
    text = report.html(content)
    assert "Should the CEO sponsor the tool?" in text
    final = format_value({**result.aggregate.loc["final_active_share"].to_dict(), "unit": "share"})[
        0
    ]
    assert final in text
    path = report.write(content, tmp_path / "one.pdf")
    assert path.read_bytes().startswith(b"%PDF")


def test_many_plans_still_fit_one_page(comparison, tmp_path):
    results = [comparison.results[i % 3] for i in range(7)]
    copies = [
        type(r)(**{**r.__dict__, "manifest": {**r.manifest, "plan": f"plan {i}"}})
        for i, r in enumerate(results)
    ]
    many = Comparison.from_results(copies)
    data = report.write(many, tmp_path / "many.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1


runner = CliRunner()


def test_cli_report_html_and_pdf(comparison, tmp_path):
    folder = comparison.save(tmp_path / "cmp")
    res = runner.invoke(app, ["report", str(folder)])
    assert res.exit_code == 0, res.output
    assert (folder / "report.html").read_text().startswith("<!DOCTYPE html>")
    out = tmp_path / "proposal.pdf"
    res = runner.invoke(app, ["report", str(folder / "sponsor"), "-f", "pdf", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(b"%PDF")


def test_cli_report_errors_exit_2(comparison, tmp_path):
    res = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert res.exit_code == 2 and "no such folder" in res.output
    res = runner.invoke(app, ["report", str(tmp_path), "--format", "docx"])
    assert res.exit_code == 2 and "html, pdf" in res.output
    res = runner.invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2 and "not a results folder" in res.output
    assert "Traceback" not in res.output
