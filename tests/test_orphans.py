"""No process outlives a killed command: after SIGKILL of ``adoptsim calibrate --executor
processes``, its workers, the fork server and the resource tracker are gone within seconds
(issue 31, class 6); nor does ``adoptsim run``'s chart painter."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")


def marked(marker: str) -> set[int]:
    """Living processes (not zombies) whose environment holds ``marker``."""
    found = set()
    needle = f"ADOPTSIM_ORPHAN_TEST={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone meanwhile, or not ours
            continue
        if state not in ("Z", "X"):
            found.add(int(entry.name))
    return found


def children(pid: int) -> set[int]:
    """Living processes whose parent is ``pid``."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                out.add(int(entry.name))
    return out


def start_marked(cmd: list[str], tmp_path: Path) -> tuple[subprocess.Popen, str]:
    """``cmd`` started with a marker in its environment (its children inherit it)."""
    marker = uuid.uuid4().hex
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        env={**os.environ, "ADOPTSIM_ORPHAN_TEST": marker},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, marker


def kill_and_find_left(proc: subprocess.Popen, marker: str) -> set[int]:
    """SIGKILL ``proc``; the marked processes still living 5 s later."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5
    while marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return marked(marker)


def clean_up(proc: subprocess.Popen, marker: str) -> None:
    """Never leave the processes behind, even when the test fails."""
    if proc.poll() is None:
        proc.kill()
    for pid in marked(marker):
        os.kill(pid, signal.SIGKILL)


def test_nothing_outlives_a_killed_calibration(tmp_path):
    cmd = [sys.executable, "-m", "adoptsim.cli", "calibrate"]
    cmd += [str(ROOT / "scenarios" / "pilot_calibration.yaml"), "--out", str(tmp_path / "out")]
    proc, marker = start_marked([*cmd, "--executor", "processes", "--workers", "2"], tmp_path)
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            workers = {w for c in children(proc.pid) for w in children(c)}
            if len(workers) >= 2:  # the fork server's workers run particle batches
                break
            time.sleep(0.1)
        assert len(workers) >= 2, "the calibration should be running its workers"
        started = marked(marker) - {proc.pid}
        assert len(started) >= 3  # the workers, the fork server (and the resource tracker)
        left = kill_and_find_left(proc, marker)
        assert not left, f"processes {sorted(left)} outlived the killed calibration by 5 s"
    finally:
        clean_up(proc, marker)


def test_the_chart_painter_does_not_outlive_a_killed_run(tmp_path):
    cmd = [sys.executable, "-m", "adoptsim.cli", "run", str(ROOT / "scenarios" / "baseline.yaml")]
    proc, marker = start_marked([*cmd, "--runs", "200", "--out", str(tmp_path / "out")], tmp_path)
    try:
        deadline = time.monotonic() + 60
        painter: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None and not painter:
            painter = children(proc.pid)
            time.sleep(0.05)
        assert painter, "the run should have started its chart painter"
        left = kill_and_find_left(proc, marker)
        assert not left, f"processes {sorted(left)} outlived the killed run by 5 s"
    finally:
        clean_up(proc, marker)
