"""Reading a year of daily Teams reports: 52 files x 20,000 people into observed weeks.

    python benchmarks/observe.py [--people 20000] [--days 52] [--repeats 3] [--engine c]

Writes the files (the real report's 30 columns, BOM, quoted header) to a temporary folder,
then times :func:`adoptsim.observe.read_teams` plus :func:`observed_weeks` (matching to an
organization of the same people), best and median of ``--repeats``. Target (issue 29): under
10 s on 2 cores. Figures in docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from adoptsim.observe import observed_weeks, read_teams
from adoptsim.observe.teams import REPORT_COLUMNS

HEADER = REPORT_COLUMNS
START = pd.Timestamp("2026-01-05")


def write_reports(folder: Path, people: int, days: int, seed: int = 1) -> list[str]:
    """``days`` daily reports of ``people`` users; returns the user principal names."""
    rng = np.random.default_rng(seed)
    upn = np.array([f"user{k:06d}@contoso.example" for k in range(people)], dtype=object)
    uid = np.array([f"{k:08x}-0000-4000-8000-{k:012x}" for k in range(people)], dtype=object)
    last = np.full(people, "", dtype=object)
    for day in range(days):
        date = (START + pd.Timedelta(days=day)).date().isoformat()
        on = rng.random(people) < 0.4
        last[on] = date
        msgs = rng.integers(0, 40, people) * on
        frame = pd.DataFrame({h: 0 for h in HEADER}, index=range(people))
        frame["Report Refresh Date"] = date
        frame["User Id"] = uid
        frame["User Principal Name"] = upn
        frame["Last Activity Date"] = last
        frame["Is Deleted"] = "False"
        frame["Deleted Date"] = ""
        frame["Assigned Products"] = "MICROSOFT 365 E3"
        frame["Team Chat Message Count"] = msgs // 2
        frame["Private Chat Message Count"] = msgs
        frame["Audio Duration"] = "PT0S"
        frame["Tenant Display Name"] = "Contoso"
        frame["Is Licensed"] = "True"
        frame["Report Period"] = 1
        text = frame.to_csv(index=False, header=False, lineterminator="\r\n")
        head = ",".join(f'"{h}"' for h in HEADER)
        (folder / f"TeamsUserActivityUserDetail{date}.csv").write_text(
            "\ufeff" + head + "\r\n" + text, newline=""
        )
    return list(upn)


def task_observe(people: int = 20_000, days: int = 52, repeats: int = 3) -> dict:
    """Seconds to read the reports and make the observed weeks (best, median)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        upn = write_reports(folder, people, days)
        size = sum(p.stat().st_size for p in folder.iterdir())
        ids = np.array([f"e{k}" for k in range(people)], dtype=object)
        identities = pd.DataFrame({"identity": upn, "employee_id": ids})
        times, cpu = [], []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            usage = read_teams([folder], START)
            result = observed_weeks(usage, identities, ids, START)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return {
        "people": people,
        "files": days,
        "megabytes": round(size / 2**20, 1),
        "weeks": result.summary["weeks"],
        "matched": result.summary["matched"],
        "best_s": round(min(times), 2),
        "median_s": round(statistics.median(times), 2),
        "cpu_s_median": round(statistics.median(cpu), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=52)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(task_observe(args.people, args.days, args.repeats))


if __name__ == "__main__":
    main()
