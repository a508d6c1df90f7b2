"""Worker processes of a sweep end with the sweep's process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.test_sweep import BASE

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            found.add(c)
            todo.append(c)
    return found


def test_workers_exit_soon_after_the_sweep_is_killed(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump({**BASE, "weeks": 60}))
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        yaml.safe_dump(
            {
                "name": "long",
                "scenario": str(base),
                "design": "random",
                "samples": 400,
                "replicates": 4,
                "seed": 1,
                "parameters": [{"path": "behavior.w_habit", "low": 0.1, "high": 0.5}],
                "metrics": ["final_active_share"],
            }
        )
    )
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "adoptsim.cli", "sweep", str(exp), "--out", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--executor", "processes", "--workers", "2"],
        cwd=Path(__file__).parents[1],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not list((out / "parts").glob("part-*")) and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = descendants(proc.pid)
        assert len(workers) >= 2, "the sweep should be running its workers"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = {w for w in workers if _alive(w)}
        assert not left, f"processes {sorted(left)} outlived the sweep by 10 s"
    finally:
        if proc.poll() is None:
            proc.kill()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
