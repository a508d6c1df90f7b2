"""Generated hostile inputs for the surfaces of issue 31, used by generated_inputs.py.

Each case writes its files into its own folder and returns the command to run: calibrate
(observed files, --fit ranges, a 3-million-employee pilot), run and forecast (posteriors,
draws, calibration folders), report and plot of results folders (checksum entries,
planted links and files, comparison.json, cut files), optimize (optimization files, cut
manifests, journals). Secret files carry the marker ``SECRET``: a case whose output shows
it is counted as ``disclosed``; a case that changes the ``victim`` file outside its folder
as ``wrote outside``.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
ADOPTSIM = [sys.executable, "-m", "adoptsim.cli"]
SECRET = "root:x:0:0:SECRET-root:/root:/bin/bash\napi_key: SECRET-hunter2\n"
SECRET_YAML = "api_key: SECRET-hunter2\nweeks: SECRET-weeks\n"
JUNK = ["", "x", "-1", "1e999", "nan", "inf", "-0.5", "1.5", "2", "\x00", "é", '"', "1_0",
        "CELL-text", "1e-300", "0x10", "  ", "-inf", "99999999999999999999"]  # fmt: skip
FIT_JUNK = ["0:0.6", "0.6:0", "0.1:0.1000000000000001", "nan:1", "0:inf", "-1:1", "0:1:log",
            "0.001:0.05:log", "a:b", "1.5:1.7", "0:1e308", ":", "0:0.6:lin"]  # fmt: skip
PILOT = {
    "name": "pilot",
    "weeks": 6,
    "runs": 2,
    "seed": 2,
    "organization": {"generate": {"employees": 100, "departments": {"A": 0.5, "B": 0.5}}},
    "strategies": [{"type": "evangelists", "start": 1, "target": {"select": "degree", "count": 4}}],
}
OBSERVED = "week,active_share\n1,0.02\n2,0.03\n3,0.05\n4,0.06\n"
POSTERIOR = "behavior.w_social,weight,distance\n0.1,0.5,0.01\n0.3,0.5,0.02\n"
OPTIMIZATION = {
    "name": "gen_plan",
    "scenario": "pilot.yaml",
    "budget": 20000,
    "levers": [
        {
            "strategy": "senior_sponsor",
            "use": [True, False],
            "settings": {"start": {"low": 1, "high": 4, "integer": True}},
        }
    ],
    "objectives": [{"maximize": "sustained_share"}, {"minimize": "cost"}],
    "replicates": 2,
    "seed": 1,
}
FAST_CALIBRATION = ["--population", "20", "--generations", "1"]
#: the kinds of case this module makes
KINDS = ("calibrate", "draws", "folder", "optimize", "special")
#: where a special file goes, and what it replaces there
ROLES = ("employees", "ties", "graphml", "observed", "posterior", "draws", "extends")
#: files that are not what a reader expects: named, never read through
SPECIALS = ("fifo", "/dev/zero", "/dev/urandom", "folder", "secret link", "sparse 3 GB",
            "empty", "binary")  # fmt: skip


def write_common(folder: Path) -> None:
    """The pilot scenario, its observed weeks, a posterior, secrets and the victim."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pilot.yaml").write_text(yaml.safe_dump(PILOT))
    (folder / "observed.csv").write_text(OBSERVED)
    (folder / "posterior.csv").write_text(POSTERIOR)
    (folder / "secret.csv").write_text(SECRET)
    (folder / "secret.yaml").write_text(SECRET_YAML)
    (folder / "victim.txt").write_text("keep me")


def templates(tmp: Path) -> dict[str, Path]:
    """A run's folder, a comparison's folder and a calibration's folder to mutate."""
    base = tmp / "templates"
    write_common(base)
    run = [*ADOPTSIM, "run", str(base / "pilot.yaml"), "--no-chart", "--out"]
    subprocess.run([*run, str(base / "run")], check=True, capture_output=True)
    (base / "other.yaml").write_text(yaml.safe_dump({**PILOT, "name": "other"}))
    cmp = [*ADOPTSIM, "compare", str(base / "pilot.yaml"), str(base / "other.yaml")]
    subprocess.run([*cmp, "--no-chart", "--out", str(base / "cmp")], check=True,
                   capture_output=True)  # fmt: skip
    cal = [*ADOPTSIM, "calibrate", str(base / "pilot.yaml"), "--observed",
           str(base / "observed.csv"), "--fit", "behavior.w_social=0:0.6", *FAST_CALIBRATION,
           "--out", str(base / "fit")]  # fmt: skip
    subprocess.run(cal, check=True, capture_output=True)
    return {"run": base / "run", "cmp": base / "cmp", "fit": base / "fit"}


def _rewrite_checksums(folder: Path) -> None:
    """Lists the folder's files again (a mutation of the content, checksums made to fit)."""
    code = (
        "import sys; from pathlib import Path; "
        "from adoptsim.runs.folders import write_checksums; write_checksums(Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", code, str(folder)], check=True, cwd=ROOT)


def calibrate_cases(n: int, rng: np.random.Generator) -> list[dict]:
    fixed = [
        ("observed /etc/passwd", {"observed": "/etc/passwd"}, True),
        ("observed secret", {"observed": "secret.csv"}, True),
        ("observed FIFO", {"observed": "FIFO"}, True),
        ("observed /dev/zero", {"observed": "/dev/zero"}, True),
        ("observed two week columns", {"text": "week,active_share,week\n1,0.1,4\n"}, True),
        ("observed no week", {"text": "active_share\n0.1\n"}, True),
        ("fit int 1.5:1.7", {"fit": "strategies[0].start=1.5:1.7"}, True),
        ("fit narrow", {"fit": "behavior.w_social=0.1:0.1000000000000001"}, None),
        ("3M employees", {"employees": 3_000_000, "max_memory": "2GB"}, True),
        ("read-only out", {"out": "/proc/adoptsim-out"}, True),
    ]
    cases = [{"kind": "calibrate", "what": w, **spec, "invalid": inv} for w, spec, inv in fixed]
    rows = OBSERVED.strip().splitlines()
    while len(cases) < n:
        if rng.random() < 0.5:
            r = list(rows)
            k = int(rng.integers(len(r)))
            cells = r[k].split(",")
            c = int(rng.integers(len(cells)))
            cells[c] = str(rng.choice(JUNK))
            r[k] = ",".join(cells)
            cases.append({"kind": "calibrate", "what": f"observed row {k + 1}={cells[c]!r}",
                          "text": "\n".join(r) + "\n", "invalid": None})  # fmt: skip
        else:
            fit = f"behavior.w_social={rng.choice(FIT_JUNK)}"
            cases.append({"kind": "calibrate", "what": f"fit {fit}", "fit": fit,
                          "invalid": None})  # fmt: skip
    return cases


def draws_cases(n: int, rng: np.random.Generator) -> list[dict]:
    fixed = [
        ("posterior /etc/passwd", "posterior", "/etc/passwd", True),
        ("posterior secret", "posterior", "secret.csv", True),
        ("posterior FIFO", "posterior", "FIFO", True),
        ("posterior /dev/zero", "posterior", "/dev/zero", True),
        ("draws /etc/passwd", "draws", "/etc/passwd", True),
        ("draws secret", "draws", "secret.csv", True),
        ("draws /dev/zero", "draws", "/dev/zero", True),
        ("posterior negative weight", "posterior", "w:-1", True),
        ("posterior weights 0", "posterior", "w:0", True),
        ("forecast uncalibrated", None, None, True),
    ]
    cases = [{"kind": "draws", "what": w, "key": k, "file": f, "invalid": inv}
             for w, k, f, inv in fixed]  # fmt: skip
    rows = POSTERIOR.strip().splitlines()
    while len(cases) < n:
        r = list(rows)
        k = int(rng.integers(len(r)))
        cells = r[k].split(",")
        c = int(rng.integers(len(cells)))
        cells[c] = str(rng.choice(JUNK))
        r[k] = ",".join(cells)
        key = str(rng.choice(["posterior", "draws"]))
        cases.append({"kind": "draws", "what": f"{key} row {k + 1}={cells[c]!r}", "key": key,
                      "text": "\n".join(r) + "\n", "invalid": None})  # fmt: skip
    return cases


def folder_cases(n: int, rng: np.random.Generator) -> list[dict]:
    entries = ["../victim.txt", "/etc/passwd", "../" * 40 + "etc/passwd", "x" * 5000,
               "curves.csv/../../victim.txt", "", "\x00", "charts/../../victim.txt"]  # fmt: skip
    fixed = [
        ("report.html link", "run", "link report.html", None),  # replaced, not followed
        ("charts link", "run", "link charts", True),
        ("curves.csv link", "run", "link curves.csv", True),
        ("planted data file", "run", "plant extra.csv", True),
        ("cut manifest", "run", "cut manifest.json", True),
        ("cut curves", "run", "cut curves.csv", True),
        ("comparison ../ folder", "cmp", "plan folder ../../elsewhere", True),
        ("comparison not json", "cmp", "comparison {", True),
        ("comparison plans 3", "cmp", 'comparison {"plans": 3}', True),
        ("comparison plans [1]", "cmp", 'comparison {"plans": [1]}', True),
        ("calibration posterior changed", "fit", "change posterior.csv", True),
        ("report --out under a file", "run", "out under file", True),
        ("--out a link", "run", "out link", True),
    ]
    cases = [{"kind": "folder", "what": w, "template": t, "mutation": m, "invalid": inv}
             for w, t, m, inv in fixed]  # fmt: skip
    while len(cases) < n:
        entry = str(rng.choice(entries))
        template = str(rng.choice(["run", "cmp"]))
        cases.append({"kind": "folder", "what": f"{template} checksum entry {entry[:40]!r}",
                      "template": template, "mutation": f"entry {entry}",
                      "invalid": True})  # fmt: skip
    return cases


def optimize_cases(n: int, rng: np.random.Generator) -> list[dict]:
    fixed = [
        ("integer range 1.5-1.7", {"range": (1.5, 1.7)}, True),
        ("cut manifest", {"state": "cut manifest"}, True),
        ("unknown journal line", {"state": "journal op 99"}, True),
        ("journal garbage line", {"state": "journal garbage"}, True),
        ("journal FIFO", {"state": "journal fifo"}, True),
        ("posterior secret", {"posterior": "secret.csv"}, True),
    ]
    cases = [{"kind": "optimize", "what": w, **spec, "invalid": inv} for w, spec, inv in fixed]
    while len(cases) < n:
        lo, hi = (float(v) for v in rng.choice([0.5, 1.2, 1.5, 1.7, 2, 3.9, 4, -1], 2))
        cases.append({"kind": "optimize", "what": f"range {lo}-{hi}", "range": (lo, hi),
                      "invalid": None})  # fmt: skip
    return cases


def _file(folder: Path, name: str) -> str:
    if name == "FIFO":
        os.mkfifo(folder / "pipe.csv")
        return str(folder / "pipe.csv")
    return name


def build(case: dict, folder: Path, tpl: dict[str, Path]) -> list[str]:
    """Write the case's files into ``folder`` and return its command."""
    write_common(folder)
    kind = case["kind"]
    if kind == "calibrate":
        return _calibrate(case, folder)
    if kind == "draws":
        return _draws(case, folder)
    if kind == "folder":
        return _folder(case, folder, tpl)
    if kind == "special":
        return _special(case, folder)
    return _optimize(case, folder)


def _calibrate(case: dict, folder: Path) -> list[str]:
    pilot = copy.deepcopy(PILOT)
    if "employees" in case:
        pilot["organization"]["generate"]["employees"] = case["employees"]
    observed = "observed.csv"
    if "text" in case:
        (folder / "obs.csv").write_text(case["text"], encoding="utf-8", errors="surrogateescape")
        observed = "obs.csv"
    elif "observed" in case:
        observed = _file(folder, case["observed"])
    pilot["calibration"] = {"observed": observed}
    (folder / "pilot.yaml").write_text(yaml.safe_dump(pilot))
    fit = case.get("fit", "behavior.w_social=0:0.6")
    out = case.get("out", str(folder / "out"))
    cmd = [*ADOPTSIM, "calibrate", str(folder / "pilot.yaml"), "--fit", fit,
           *FAST_CALIBRATION, "--out", out]  # fmt: skip
    if "max_memory" in case:
        cmd += ["--max-memory", case["max_memory"]]
    return cmd


def _draws(case: dict, folder: Path) -> list[str]:
    pilot = copy.deepcopy(PILOT)
    if case["key"] is None:  # forecast of a scenario without a calibration
        (folder / "pilot.yaml").write_text(yaml.safe_dump(pilot))
        return [*ADOPTSIM, "forecast", str(folder / "pilot.yaml"), "--out", str(folder / "out")]
    name = case.get("file")
    if name in ("w:-1", "w:0"):
        (folder / "p.csv").write_text(f"behavior.w_social,weight\n0.1,{name[2:]}\n0.2,0\n")
        name = "p.csv"
    elif name is None:
        (folder / "p.csv").write_text(case["text"], encoding="utf-8", errors="surrogateescape")
        name = "p.csv"
    else:
        name = _file(folder, name)
    pilot["calibration"] = {case["key"]: name}
    (folder / "pilot.yaml").write_text(yaml.safe_dump(pilot))
    return [*ADOPTSIM, "forecast", str(folder / "pilot.yaml"), "--runs", "2",
            "--out", str(folder / "out")]  # fmt: skip


def _folder(case: dict, folder: Path, tpl: dict[str, Path]) -> list[str]:
    target = folder / "results"
    shutil.copytree(tpl[case["template"]], target, symlinks=True)
    victim = folder / "victim.txt"
    m = case["mutation"]
    report = [*ADOPTSIM, "report", str(target)]
    if m.startswith("link "):
        name = m[5:]
        p = target / name
        if p.exists():
            p.unlink()
        if name == "charts":
            (folder / "outside").mkdir()
            p.symlink_to(folder / "outside")
            return [*ADOPTSIM, "plot", str(target), "--kind", "adoption"]
        p.symlink_to(victim)
        return report
    if m.startswith("plant "):
        (target / m[6:]).write_text("week\n1\n")
        return report
    if m.startswith("cut "):
        p = target / m[4:]
        p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])
        _rewrite_checksums(target)
        return report
    if m.startswith("plan folder "):
        info = json.loads((target / "comparison.json").read_text())
        info["plans"][0]["folder"] = m[len("plan folder ") :]
        (target / "comparison.json").write_text(json.dumps(info))
        _rewrite_checksums(target)
        return report
    if m.startswith("comparison "):
        (target / "comparison.json").write_text(m[len("comparison ") :])
        _rewrite_checksums(target)
        return report
    if m.startswith("change "):
        p = target / m[7:]
        p.write_text(p.read_text().replace("0.", "0.9", 1))
        return [*ADOPTSIM, "forecast", str(target / "calibrated.yaml"), "--runs", "2",
                "--out", str(folder / "out")]  # fmt: skip
    if m == "out under file":
        return [*report, "--out", str(folder / "pilot.yaml" / "r.html")]
    if m == "out link":
        (folder / "real").mkdir()
        (folder / "link").symlink_to(folder / "real")
        return [*ADOPTSIM, "run", str(folder / "pilot.yaml"), "--no-chart", "--out",
                str(folder / "link")]  # fmt: skip
    entry = m[len("entry ") :]
    (target / "checksums.sha256").write_text(f"{'0' * 64}  {entry}\n")
    return report


def _optimize(case: dict, folder: Path) -> list[str]:
    data = copy.deepcopy(OPTIMIZATION)
    if "range" in case:
        lo, hi = case["range"]
        data["levers"][0]["settings"]["start"] = {"low": lo, "high": hi, "integer": True}
    if "posterior" in case:
        data["uncertainty"] = {"posterior": case["posterior"]}
    (folder / "opt.yaml").write_text(yaml.safe_dump(data))
    cmd = [*ADOPTSIM, "optimize", str(folder / "opt.yaml"), "--trials", "2", "--out",
           str(folder / "out")]  # fmt: skip
    state = case.get("state")
    if state is None:
        return cmd
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    out = folder / "out"
    if state == "cut manifest":
        text = (out / "manifest.json").read_text()
        (out / "manifest.json").write_text(text[: len(text) // 2])
    elif state == "journal op 99":
        with (out / "journal.log").open("a") as f:
            f.write('{"op_code": 99, "worker_id": "x"}\n')
    elif state == "journal garbage":
        with (out / "journal.log").open("a") as f:
            f.write("SECRET garbage\n")
    elif state == "journal fifo":
        (out / "journal.log").unlink()
        os.mkfifo(out / "journal.log")
    return [*cmd[:6], "3", *cmd[7:]]  # resume to 3 trials


def victim_changed(folder: Path) -> bool:
    """Whether the case wrote into the file outside its folder."""
    victim = folder / "victim.txt"
    return victim.is_symlink() or not victim.is_file() or victim.read_text() != "keep me"


def special_cases(n: int, rng: np.random.Generator) -> list[dict]:
    """Every role a file plays (organization, observed weeks, posterior, draws, a base
    scenario) given a file that is not a regular file of that kind; ``n`` limits the count."""
    cases = [{"kind": "special", "what": f"{role} is {special}", "role": role,
              "special": special, "invalid": True}
             for role in ROLES for special in SPECIALS]  # fmt: skip
    order = rng.permutation(len(cases))[:n]
    return [cases[i] for i in sorted(order)]


def _special_file(special: str, folder: Path) -> str:
    path = folder / "special.csv"
    if special == "fifo":
        os.mkfifo(path)
    elif special.startswith("/dev/"):
        return special
    elif special == "folder":
        path.mkdir()
    elif special == "secret link":
        path.symlink_to(folder / "secret.csv")
    elif special == "sparse 3 GB":
        with path.open("wb") as f:
            f.truncate(3 << 30)
    elif special == "binary":
        path.write_bytes(bytes(range(256)) * 64)
    else:
        path.write_bytes(b"")
    return str(path)


def _special(case: dict, folder: Path) -> list[str]:
    role, name = case["role"], _special_file(case["special"], folder)
    pilot = copy.deepcopy(PILOT)
    command = "run"
    if role in ("employees", "graphml"):
        pilot["organization"] = {role: name}
    elif role == "ties":
        (folder / "people.csv").write_text(
            "employee_id,manager_id,department\nE1,,A\nE2,E1,A\nE3,E1,B\n"
        )
        pilot["organization"] = {"employees": "people.csv", "ties": name}
    elif role == "observed":
        pilot["calibration"] = {"observed": name}
        command = "calibrate"
    elif role == "extends":
        pilot["extends"] = name
    else:
        pilot["calibration"] = {role: name}
        command = "forecast" if role == "posterior" else "run"
    (folder / "pilot.yaml").write_text(yaml.safe_dump(pilot))
    cmd = [*ADOPTSIM, command, str(folder / "pilot.yaml"), "--out", str(folder / "out")]
    if command == "calibrate":
        cmd[-2:-2] = ["--fit", "behavior.w_social=0:0.6", *FAST_CALIBRATION]
    elif command == "run":
        cmd[-2:-2] = ["--no-chart"]
    return cmd
