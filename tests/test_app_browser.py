"""The workshop app in a real browser: Playwright drives the system's Chromium against
``adoptsim app`` started in a subprocess, with every request outside this machine refused.

Skipped when Solara, Playwright or a Chromium executable is missing (CI installs
Debian's ``chromium``; Playwright's own browser download is not used). Screenshots of each
screen go to the test's tmp folder.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

pytest.importorskip("solara")
sync_api = pytest.importorskip("playwright.sync_api")

import adoptsim  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("ADOPTSIM_CHROMIUM") or next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found (apt-get install chromium, or set ADOPTSIM_CHROMIUM)",
)
ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SMALL = """\
name: {name}
weeks: 20
runs: 10
seed: 3
organization:
  generate:
    employees: {employees}
    departments: {{Sales: 0.4, Engineering: 0.4, HR: 0.2}}
    span_of_control: 6
strategies: []
"""
#: longest wait for the page or a run (a first run compiles nothing: kernels are cached)
WAIT_MS = 20_000
# Playwright's assertions wait 5 s by default: too short for a run on a loaded machine
sync_api.expect.set_options(timeout=WAIT_MS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(scenario: Path, cwd: Path):
    """``adoptsim app SCENARIO`` on a free port (its folder listed); yields the URL."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "adoptsim.cli", "app", str(scenario)]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(proc.stdout.read().decode(errors="replace"))
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the app did not start within 60 s")
    yield f"http://127.0.0.1:{port}/"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``adoptsim app`` on a free port, opened on a 200-employee scenario; a 300-employee
    one (``small``) sits in the same folder."""
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "alpha.yaml").write_text(SMALL.format(name="alpha", employees=200))
    (folder / "small.yaml").write_text(SMALL.format(name="small", employees=300))
    yield from _serve(folder / "alpha.yaml", folder)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _session(browser, url: str, ready: str):
    """A fresh session on the app at ``url`` (waits for the text ``ready``); requests that
    leave this machine are refused and recorded (the page must render from local assets
    only)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    outside: list[str] = []

    def route(r):
        if urlparse(r.request.url).hostname in ("127.0.0.1", "localhost"):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    sync_api.expect.set_options(timeout=WAIT_MS)  # a run on a loaded machine takes over 5 s
    pg.goto(url)
    pg.get_by_text(ready).wait_for()
    yield pg
    context.close()
    assert outside == [], f"the page asked for outside resources: {outside[:5]}"


@pytest.fixture
def page(browser, server):
    """A fresh session on the workshop page."""
    yield from _session(browser, server, "Strategy library")


def _shot(pg, path: Path) -> None:
    pg.screenshot(path=str(path))


def _choose_scenario(pg, name: str) -> None:
    pg.locator(".scenario-select").click()
    pg.locator(".v-overlay__content .v-list-item", has_text=name).click()
    sync_api.expect(pg.locator(".scenario-editor textarea")).to_have_value(
        re.compile(f"name: {name}")
    )


def _set_count(pg, count: int) -> None:
    field = pg.locator(".strategy-0 .field-target-count input")
    field.fill(str(count))
    field.press("Enter")
    sync_api.expect(pg.locator(".scenario-editor textarea")).to_have_value(
        re.compile(f"count: {count}")
    )


def _run(pg, number: int) -> str:
    """Run the plan (the session's run ``number``) and return its summary."""
    pg.locator(".run").click()
    summary = pg.locator(".summary")
    sync_api.expect(summary).to_contain_text(f"Run {number}:")
    return summary.inner_text()


def test_plan_run_compare_and_download(page, tmp_path):
    pg = page
    _shot(pg, tmp_path / "1_loaded.png")
    _choose_scenario(pg, "small")
    sync_api.expect(pg.locator(".organization")).to_contain_text("300 employees")
    baseline = _run(pg, 1)
    assert "300 employees" in baseline and "final active share" in baseline
    curve = pg.locator(".chart-adoption img").get_attribute("src")

    pg.locator(".add-evangelists").click()
    pg.locator(".strategy-0").wait_for()
    _set_count(pg, 15)
    with_evangelists = _run(pg, 2)
    assert with_evangelists.split("\n", 1)[1] != baseline.split("\n", 1)[1]
    assert pg.locator(".chart-adoption img").get_attribute("src") != curve
    sync_api.expect(pg.locator(".attribution")).to_contain_text("evangelists")
    _shot(pg, tmp_path / "2_run.png")

    pg.locator(".pin").click()
    sync_api.expect(pg.get_by_text("plan A:", exact=False)).to_be_visible()
    _set_count(pg, 45)
    _run(pg, 3)
    table = pg.locator(".comparison")
    sync_api.expect(table).to_contain_text("plan B")
    row = next(r for r in table.inner_text().splitlines() if r.startswith("final active share"))
    diff = re.search(r"([+-]\d+\.\d) pp", row)
    assert diff and float(diff.group(1)) > 0, row
    pg.locator(".chart-differences").scroll_into_view_if_needed()
    _shot(pg, tmp_path / "3_compare.png")
    watch = pg.locator(".chart-watch img")
    last_week = watch.get_attribute("src")
    pg.locator(".play").click()  # replays from week 0
    sync_api.expect(pg.locator(".play")).to_have_text(re.compile("pause", re.I))
    sync_api.expect(watch).not_to_have_attribute("src", last_week)
    pg.locator(".play").click()
    pg.locator(".chart-watch").scroll_into_view_if_needed()
    _shot(pg, tmp_path / "4_watch.png")

    pg.locator(".prepare").click()
    with pg.expect_download() as report:
        pg.locator(".take-away a.download", has_text="report (html)").click()
    assert report.value.suggested_filename == "small_report.html"
    assert Path(report.value.path()).read_text(encoding="utf-8").lstrip().startswith("<!")
    with pg.expect_download() as download:
        pg.locator(".take-away a.download", has_text="scenario (YAML)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    scenario = adoptsim.load_scenario(saved)
    assert scenario.name == "small"
    assert [s.type for s in scenario.strategies] == ["evangelists"]
    assert scenario.strategies[0].target.count == 45


def test_invalid_yaml_shows_the_error_next_to_the_editor(page, tmp_path):
    pg = page
    editor = pg.locator(".scenario-editor textarea")
    editor.fill("name: small\nweeks: [20\n")
    editor.blur()
    error = pg.locator(".scenario-editor .editor-error")
    sync_api.expect(error).to_contain_text("not valid YAML")
    sync_api.expect(error).to_contain_text("line 3")
    sync_api.expect(pg.locator(".run")).to_be_disabled()
    _shot(pg, tmp_path / "5_invalid.png")

    editor.fill("name: small\nweeks: 0\n")
    editor.blur()
    sync_api.expect(error).to_contain_text("weeks: Input should be greater than or equal to 1")


DROP = """
([name, text]) => {
    const zone = document.querySelector('.solara-file-drop');
    const file = new File([text], name, {type: 'application/x-yaml'});
    // a drop as the operating system delivers it: the component reads the dropped entries
    const entry = {isFile: true, file: (ok) => ok(file)};
    const event = new Event('drop', {bubbles: true, cancelable: true});
    Object.defineProperty(event, 'dataTransfer', {
        value: {items: [{webkitGetAsEntry: () => entry}], files: [file]},
    });
    zone.dispatchEvent(event);
}
"""


def test_dropped_file_opens_through_the_strict_reader(page, tmp_path):
    pg = page
    editor = pg.locator(".scenario-editor textarea")
    text = SMALL.format(name="dropped", employees=250)
    pg.evaluate(DROP, ["dropped.yaml", text])
    sync_api.expect(editor).to_have_value(re.compile("name: dropped"))
    sync_api.expect(pg.locator(".organization")).to_contain_text("250 employees")
    _shot(pg, tmp_path / "6_dropped.png")

    pg.evaluate(DROP, ["bad.yaml", "name: bad\nweeks: 10\nweeks: 12\n"])
    error = pg.locator(".scenario-editor .editor-error")
    sync_api.expect(error).to_contain_text("weeks")
    sync_api.expect(error).to_contain_text("duplicate")
    sync_api.expect(pg.locator(".run")).to_be_disabled()


PASSWD = Path("/etc/passwd")


@pytest.mark.skipif(not PASSWD.is_file(), reason="no /etc/passwd on this machine")
def test_a_scenario_naming_a_file_outside_the_folder_shows_none_of_it(page, tmp_path):
    """Uploaded or typed, a scenario naming /etc/passwd (organization, draws, extends) is
    refused (a file outside the folder; typed text without a file of its own may not use
    ``extends`` at all), and no line of the file reaches the page."""
    pg = page
    lines = [ln for ln in PASSWD.read_text(errors="replace").splitlines() if ln.strip()]
    editor = pg.locator(".scenario-editor textarea")
    error = pg.locator(".scenario-editor .editor-error")
    uploads = {
        "org.yaml": "name: org\norganization:\n  employees: /etc/passwd\n",
        "draws.yaml": "name: draws\ncalibration:\n  draws: ../../../../../etc/passwd\n",
    }
    for name, text in uploads.items():
        pg.evaluate(DROP, [name, text])
        sync_api.expect(editor).to_have_value(text)  # the upload has reached the editor
        sync_api.expect(error).to_contain_text("outside the scenarios' folder")
        sync_api.expect(pg.locator(".run")).to_be_disabled()
        content = pg.content()
        assert not any(line in content for line in lines)
    typed = "name: typed\nextends: /etc/passwd\n"
    editor.fill(typed)
    sync_api.expect(editor).to_have_value(typed)
    editor.blur()
    # typed after an upload, the text has no file of its own: `extends` is refused as such
    refused = re.compile("outside the scenarios' folder|`extends` needs the scenario's folder")
    sync_api.expect(error).to_contain_text(refused)
    content = pg.content()
    assert not any(line in content for line in lines)
    _shot(pg, tmp_path / "7_outside.png")


DROP_INTO = """
([selector, name, text]) => {
    const zone = document.querySelector(selector + ' .solara-file-drop');
    const file = new File([text], name, {type: 'text/csv'});
    const entry = {isFile: true, file: (ok) => ok(file)};
    const event = new Event('drop', {bubbles: true, cancelable: true});
    Object.defineProperty(event, 'dataTransfer', {
        value: {items: [{webkitGetAsEntry: () => entry}], files: [file]},
    });
    zone.dispatchEvent(event);
}
"""
SHIPPED = ROOT / "scenarios"


@pytest.fixture(scope="module")
def rollout_server(tmp_path_factory):
    """``adoptsim app`` on the shipped scenarios folder (the workshop opens its 600-employee
    pilot; the rollout page chooses the calibrated rollout)."""
    yield from _serve(SHIPPED / "pilot_calibration.yaml", tmp_path_factory.mktemp("cwd"))


@pytest.fixture
def rollout_page(browser, rollout_server):
    """A fresh session switched to the rollout page."""
    session = _session(browser, rollout_server, "Strategy library")
    pg = next(session)
    pg.locator(".pages").get_by_text("rollout").click()
    pg.locator(".rollout-drop .solara-file-drop").wait_for()
    yield pg
    next(session, None)


def _set(pg, css: str, value: str) -> None:
    field = pg.locator(f"{css} input")
    field.fill(value)
    field.press("Enter")


def test_rollout_page_replans_from_dropped_weeks(rollout_page, tmp_path):
    """The shipped observed weeks dropped on the rollout page: the narrowing forecast, the
    recommended next step, and a next.yaml that extends the calibrated scenario."""
    pg = rollout_page
    observed = SHIPPED / "data" / "rollout_weeks.csv"
    pg.evaluate(DROP_INTO, [".rollout-drop", observed.name, observed.read_text()])
    sync_api.expect(pg.locator(".rollout-upload")).to_contain_text("rollout_weeks.csv")
    _set(pg, ".set-budget", "60000")
    _set(pg, ".set-trials", "4")
    _set(pg, ".set-particles", "20")
    pg.locator(".replan").click()
    recommendation = pg.locator(".rollout-recommendation")
    sync_api.expect(recommendation).to_contain_text("Today: week 12", timeout=60_000)
    sync_api.expect(recommendation).to_contain_text("Expected gain")
    sync_api.expect(pg.locator(".rollout-narrowing img")).to_be_visible()
    table = pg.locator(".narrowing-table")
    sync_api.expect(table).to_contain_text("band width")
    assert [r.split()[0] for r in table.inner_text().splitlines()[1:]][-1] == "12"
    sync_api.expect(pg.locator(".filter-table")).to_contain_text("behavior.w_social")
    sync_api.expect(pg.locator(".rollout-forecast img")).to_be_visible()
    _shot(pg, tmp_path / "8_rollout.png")
    with pg.expect_download() as download:
        recommendation.locator("a.download", has_text="next.yaml").click()
    assert download.value.suggested_filename == "next.yaml"
    folder = tmp_path / "scenarios"
    shutil.copytree(SHIPPED, folder)
    saved = folder / "next.yaml"
    download.value.save_as(saved)
    data = yaml.safe_load(saved.read_text(encoding="utf-8"))
    assert data["extends"] == "rollout.yaml"
    scenario = adoptsim.load_scenario(saved)
    calibrated = adoptsim.load_scenario(folder / "rollout.yaml")
    posterior = folder / "data" / "rollout_posterior.csv"
    assert Path(scenario.calibration.posterior) == posterior  # the calibration, inherited
    assert calibrated.calibration.posterior == "data/rollout_posterior.csv"
    assert scenario.weeks == calibrated.weeks
    first = scenario.strategies[0]
    assert first.type == "internal_marketing" and first.start == 1
    assert first.end is not None and first.end >= 12  # the weeks already run stay


def test_rollout_page_shows_a_bad_file_error(rollout_page, tmp_path):
    """A dropped file with wrong columns: the error names the file and the columns; the
    session's private folder is not shown."""
    pg = rollout_page
    pg.evaluate(DROP_INTO, [".rollout-drop", "weeks.csv", "person,week\nE0001,1\n"])
    sync_api.expect(pg.locator(".rollout-upload")).to_contain_text("weeks.csv")
    pg.locator(".replan").click()
    error = pg.locator(".rollout .run-error")
    sync_api.expect(error).to_contain_text("weeks.csv")
    sync_api.expect(error).to_contain_text("employee_id,week,active")
    assert "adoptsim-rollout-" not in pg.content()
    _shot(pg, tmp_path / "9_rollout_error.png")
