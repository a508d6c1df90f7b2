"""A round of generated bad inputs against the command line, counted by outcome.

    python benchmarks/generated_inputs.py [--scenarios 600] [--orgs 120] [--experiments 70]
        [--calibrate 40] [--draws 40] [--folders 40] [--optimize 16] [--special 56]
        [--kinds a,b]
        [--seed 1] [--timeout 60] [--out results/generated_inputs]

Each case is a file (scenario YAML, organization CSV/GraphML with a scenario naming it, or
sweep experiment) made from a shipped example by one mutation, run through the CLI in its
own process (`run`, `validate-scenario` or `sweep`) with a time limit and a 4 GB address
space limit. The surfaces of issue 31 (``generated_surfaces.py``) add calibrate (observed
files, --fit ranges, a 3-million-employee pilot), draws (posteriors and draws through
`forecast`), folder (results folders read back by `report`, `plot`, `forecast`) and
optimize (optimization files, cut manifests, damaged journals); special puts a FIFO, a
device, a folder, a link to a secret file, a sparse 3 GB file, an empty or a binary file in
every role a file plays (organization, ties, GraphML, observed weeks, posterior, draws, a
base scenario). Outcomes: ``clean`` (exit
2, one message, no traceback), ``ran`` (exit 0), ``accepted wrongly`` (exit 0 for a mutation
that is invalid by construction), ``traceback`` (a Python traceback or another exit code),
``hang`` (over the time limit), ``memory`` (killed by the memory limit or a MemoryError),
``disclosed`` (the output shows a planted secret file's marker) and ``wrote outside`` (a
file outside the case's results folder was changed). Writes ``cases.csv`` (one row per
case, with the command's last line) and prints the counts.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import copy
import csv
import os
import re
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generated_surfaces as surfaces

#: the planted secrets' markers in any case (a reader may lower-case what it quotes)
MARKER = re.compile(r"secret-(root|hunter2|weeks)|secret garbage", re.IGNORECASE)

ROOT = Path(__file__).resolve().parents[1]
ADOPTSIM = [sys.executable, "-m", "adoptsim.cli"]

#: values that are wrong for any numeric field, as YAML text
NOT_NUMBERS = [
    ".inf",
    "-.inf",
    ".nan",
    "true",
    "false",
    "abc",
    "''",
    "[]",
    "{}",
    "[1, 2]",
    "null",
    "012",
    "0x1F",
    "0b101",
    "1:30",
]
#: values that may be right or wrong for a numeric field, by its range (``1_000`` and a
#: quoted ``'5'`` are numbers: YAML reads 1000, the schema converts a decimal text)
ANY_NUMBERS = [
    "1_000",
    "'5'",
    "-1",
    "0",
    "1",
    "0.5",
    "1.0e308",
    "2",
    "7",
    "1000000",
    "99999999999",
    str(2**63),
    str(2**70),
    "-0.0001",
    "1e-9",
]
NAMES = [
    "'[/]'",
    "'../../escape'",
    "'/tmp/abs'",
    "'\\x1b[31mred'",
    "''",
    "'a\\u0000b'",
    "'ok name'",
    "'x' ",
    "'" + "n" * 300 + "'",
]


def small_base() -> dict:
    data = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text())
    data["organization"]["generate"]["employees"] = 200
    data["weeks"], data["runs"] = 8, 2
    return data


def leaves(data, prefix=()):
    """(path tuple, value) of every scalar in a nested mapping/list."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from leaves(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from leaves(v, (*prefix, i))
    else:
        yield prefix, data


def set_path(data, path, value):
    for k in path[:-1]:
        data = data[k]
    data[path[-1]] = value


def dump_with(data: dict, path: tuple, text: str) -> str:
    """The scenario as YAML with the value at ``path`` written as raw YAML ``text``."""
    marker = "__MUTATION__"
    d = copy.deepcopy(data)
    set_path(d, path, marker)
    return yaml.safe_dump(d, sort_keys=False).replace(f"'{marker}'", text).replace(marker, text)


def scenario_cases(n: int, rng: np.random.Generator, strategies: list[str]) -> list[dict]:
    base = small_base()
    base["strategies"] = [
        {"type": "evangelists", "start": 2, "target": {"select": "degree", "count": 5}}
    ]
    paths = [p for p, v in leaves(base) if p[0] not in ("description",)]
    cases = []
    structural = [
        ("unknown top key", yaml.safe_dump({**base, "colour": "blue"}), True),
        ("unknown nested key", dump_with(base, ("tool", "name"), "x\n  speed: 3"), True),
        ("duplicate key", yaml.safe_dump(base) + "weeks: 9\n", True),
        ("empty file", "", True),
        ("a list", "- 1\n- 2\n", True),
        ("python tag", "name: !!python/object/apply:os.system ['true']\n", True),
        ("deep nesting", "a: " + "[" * 5000 + "]" * 5000 + "\n", True),
        (
            "alias bomb",
            "a: &a [x,x,x,x,x,x,x,x,x]\n"
            + "".join(
                f"{c}: &{c} [{','.join('*' + p for p in [chr(ord(c) - 1)] * 9)}]\n"
                for c in "bcdefghij"
            )
            + "name: bomb\n",
            True,
        ),
        ("not UTF-8", b"name: caf\xe9\nweeks: 5\n", True),
        (
            "departments {}",
            dump_with(base, ("organization", "generate", "departments"), "{}"),
            True,
        ),
        (
            "start after horizon",
            yaml.safe_dump({**base, "strategies": [{"type": "senior_sponsor", "start": 40}]}),
            True,
        ),
        (
            "end before start",
            yaml.safe_dump(
                {**base, "strategies": [{"type": "senior_sponsor", "start": 5, "end": 2}]}
            ),
            True,
        ),
        ("unknown strategy", yaml.safe_dump({**base, "strategies": [{"type": "magic"}]}), True),
        (
            "too many employees",
            dump_with(base, ("organization", "generate", "employees"), "6000000"),
            True,
        ),
        ("extends missing", "extends: nowhere.yaml\nname: x\n", True),
        ("extends /dev/zero", "extends: /dev/zero\nname: x\n", True),
        ("extends a folder", "extends: /tmp\nname: x\n", True),
        ("extends itself", "extends: SELF\nname: x\n", True),
        ("extends long path", "extends: " + "a/" * 2500 + "x.yaml\nname: x\n", True),
        ("extends /etc/shadow", "extends: /etc/shadow\nname: x\n", True),
    ]
    for what, text, invalid in structural:
        cases.append({"kind": "scenario", "what": what, "text": text, "invalid": invalid})
    while len(cases) < n:
        roll = rng.random()
        if roll < 0.1:  # a random strategy of the library with a mutated setting
            kind = strategies[int(rng.integers(len(strategies)))]
            item = {"type": kind, "start": int(rng.integers(1, 8))}
            key = str(rng.choice(["start", "end", "intensity", "cost", "reach", "every", "target"]))
            value = str(rng.choice(NOT_NUMBERS + ANY_NUMBERS))
            d = copy.deepcopy(base)
            d["strategies"] = [item]
            text = dump_with(
                d, ("strategies", 0, key) if key in item else ("strategies", 0, "start"), value
            )
            if key not in item:
                text = text.replace(f"type: {kind}", f"type: {kind}\n  {key}: {value}", 1)
            invalid = value in NOT_NUMBERS and key != "target"
            cases.append(
                {
                    "kind": "scenario",
                    "what": f"{kind}.{key}={value}",
                    "text": text,
                    "invalid": invalid,
                }
            )
            continue
        path = paths[int(rng.integers(len(paths)))]
        current = dict(leaves(base))[path]
        if path == ("name",):
            value = str(rng.choice(NAMES))
            invalid = None
        elif isinstance(current, bool | str):
            value = str(rng.choice(NOT_NUMBERS + ANY_NUMBERS + NAMES))
            invalid = None
        else:
            pick = rng.random()
            value = str(rng.choice(NOT_NUMBERS if pick < 0.5 else ANY_NUMBERS))
            invalid = True if pick < 0.5 else None
        cases.append(
            {
                "kind": "scenario",
                "what": f"{'.'.join(map(str, path))}={value}",
                "text": dump_with(base, path, value),
                "invalid": invalid,
            }
        )
    return cases


def org_cases(n: int, rng: np.random.Generator) -> list[dict]:
    people = (ROOT / "scenarios" / "data" / "example_employees.csv").read_text().splitlines()
    ties = (ROOT / "scenarios" / "data" / "example_ties.csv").read_text().splitlines()
    header, rows = people[0], people[1:]
    theader, trows = ties[0], ties[1:]
    fixed = [
        ("duplicate id", [header, *rows, rows[3]], None, True),
        ("unknown manager", [header, *rows, "zz1,nobody,Sales"], None, True),
        (
            "no department column",
            [",".join(header.split(",")[:2]), *[",".join(r.split(",")[:2]) for r in rows]],
            None,
            True,
        ),
        ("empty employees", [""], None, True),
        ("header only", [header], None, True),
        (
            "tie weight 1_0",
            [header, *rows],
            [theader, *[r + "" for r in trows[:3]], _retie(trows[4], "1_0")],
            True,
        ),
        ("tie weight nan", [header, *rows], [theader, _retie(trows[0], "nan")], True),
        ("tie weight inf", [header, *rows], [theader, _retie(trows[0], "inf")], True),
        ("tie weight -1", [header, *rows], [theader, _retie(trows[0], "-1")], True),
        ("self tie", [header, *rows], [theader, "{0},{0}".format(rows[0].split(",")[0])], True),
        (
            "tie to unknown",
            [header, *rows],
            [theader, "{},nobody".format(rows[0].split(",")[0])],
            True,
        ),
    ]
    cases = [
        {
            "kind": "org",
            "what": w,
            "employees": "\n".join(p) + "\n",
            "ties": None if t is None else "\n".join(t) + "\n",
            "invalid": inv,
        }
        for w, p, t, inv in fixed
    ]
    graphml = [
        ("graphml duplicate node", _graphml(["a", "b", "a"], [("a", "b")]), True),
        ("graphml edge to unknown", _graphml(["a", "b"], [("a", "zz")]), True),
        ("graphml not xml", "<graphml><node", True),
        (
            "graphml entity",
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM '
            '"file:///etc/passwd">]><graphml>&e;</graphml>',
            True,
        ),
        (
            "graphml bomb",
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
            "]><graphml>&c;</graphml>",
            True,
        ),
    ]
    cases += [{"kind": "graphml", "what": w, "graphml": g, "invalid": inv} for w, g, inv in graphml]
    junk = ["", "x", "-1", "1e999", "nan", "é", "\x00", "a,b", '"', "1_0", "  ", "NULL"]
    while len(cases) < n:
        r = list(rows)
        k = int(rng.integers(len(r)))
        cells = r[k].split(",")
        c = int(rng.integers(len(cells)))
        cells[c] = str(rng.choice(junk))
        r[k] = ",".join(cells)
        cases.append(
            {
                "kind": "org",
                "what": f"row {k + 2} column {c + 1}={cells[c]!r}",
                "employees": "\n".join([header, *r]) + "\n",
                "ties": None,
                "invalid": None,
            }
        )
    return cases


def _retie(row: str, weight: str) -> str:
    cells = row.split(",")
    return ",".join([cells[0], cells[1], weight, *cells[3:]])


def _graphml(nodes: list[str], edges: list[tuple[str, str]]) -> str:
    keys = '<key id="department" for="node" attr.name="department" attr.type="string"/>'
    body = "".join(f'<node id="{n}"><data key="department">Sales</data></node>' for n in nodes)
    body += "".join(f'<edge source="{a}" target="{b}"/>' for a, b in edges)
    return (
        '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        f'{keys}<graph edgedefault="undirected">{body}</graph></graphml>'
    )


def experiment_cases(n: int, rng: np.random.Generator) -> list[dict]:
    base = {
        "name": "gen",
        "scenario": "SCENARIO",
        "design": "grid",
        "replicates": 2,
        "seed": 1,
        "parameters": [{"path": "behavior.w_habit", "low": 0.2, "high": 0.4, "num": 2}],
        "metrics": ["final_active_share"],
    }
    fixed = [
        (
            "grid step 1e-9",
            {"parameters": [{"path": "behavior.w_habit", "low": 0, "high": 1, "step": 1e-9}]},
            True,
        ),
        ("unknown path", {"parameters": [{"path": "behavior.nope", "values": [1, 2]}]}, True),
        ("unknown design", {"design": "magic"}, True),
        ("replicates 0", {"replicates": 0}, True),
        ("replicates true", {"replicates": True}, True),
        ("replicates 2**70", {"replicates": 2**70}, True),
        ("unknown metric", {"metrics": ["happiness"]}, True),
        ("scenario /etc/shadow", {"scenario": "/etc/shadow"}, True),
        ("scenario missing", {"scenario": "nowhere.yaml"}, True),
        (
            "samples huge",
            {
                "design": "random",
                "samples": 10**12,
                "parameters": [{"path": "behavior.w_habit", "low": 0.1, "high": 0.5}],
            },
            True,
        ),
        ("name escapes", {"name": "../../x"}, True),
    ]
    cases = [
        {"kind": "experiment", "what": w, "data": {**base, **over}, "invalid": inv}
        for w, over, inv in fixed
    ]
    keys = ["replicates", "seed", "design", "name", "metrics", "parameters", "samples"]
    while len(cases) < n:
        key = str(rng.choice(keys))
        value = yaml.safe_load(str(rng.choice(NOT_NUMBERS + ANY_NUMBERS)))
        cases.append(
            {
                "kind": "experiment",
                "what": f"{key}={value!r}",
                "data": {**base, key: value},
                "invalid": None,
            }
        )
    return cases


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))


def run_command(path: Path, folder: Path) -> list[str]:
    """``adoptsim run`` of a scenario file, two runs, no chart, into ``folder/out``."""
    return [*ADOPTSIM, "run", str(path), "--runs", "2", "--no-chart", "--out", str(folder / "out")]


#: the templates of the surfaces' cases (a run's, a comparison's, a calibration's folder)
TEMPLATES: dict[str, Path] = {}


def run_case(case: dict, folder: Path, timeout: float) -> dict:
    folder.mkdir(parents=True)
    if case["kind"] in surfaces.KINDS:
        try:
            cmd = surfaces.build(case, folder, TEMPLATES)
        except subprocess.CalledProcessError as exc:  # the setup itself failed
            return {"outcome": "traceback", "code": exc.returncode, "last": "setup failed"}
    elif case["kind"] == "scenario":
        path = folder / "scenario.yaml"
        data = case["text"]
        if isinstance(data, str):
            data = data.replace("extends: SELF", f"extends: {path}").encode("utf-8")
        path.write_bytes(data)
        cmd = run_command(path, folder)
    elif case["kind"] in ("org", "graphml"):
        org: dict = {}
        if case["kind"] == "org":
            (folder / "people.csv").write_text(
                case["employees"], encoding="utf-8", errors="surrogateescape"
            )
            org["employees"] = "people.csv"
            if case["ties"] is not None:
                (folder / "ties.csv").write_text(case["ties"], encoding="utf-8")
                org["ties"] = "ties.csv"
        else:
            (folder / "org.graphml").write_text(case["graphml"], encoding="utf-8")
            org["graphml"] = "org.graphml"
        base = small_base()
        base["organization"] = org
        path = folder / "scenario.yaml"
        path.write_text(yaml.safe_dump(base))
        cmd = run_command(path, folder)
    else:
        (folder / "base.yaml").write_text(yaml.safe_dump(small_base()))
        data = case["data"]
        if data.get("scenario") == "SCENARIO":
            data = {**data, "scenario": str(folder / "base.yaml")}
        path = folder / "experiment.yaml"
        path.write_text(yaml.safe_dump(data))
        cmd = [
            *ADOPTSIM,
            "sweep",
            str(path),
            "--executor",
            "sequential",
            "--out",
            str(folder / "out"),
        ]
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            preexec_fn=limit_memory,
            errors="replace",
        )
    except subprocess.TimeoutExpired:
        return {"outcome": "hang", "code": None, "last": ""}
    text = proc.stdout + proc.stderr
    last = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or [""])[-1]
    if "SECRET" in text or MARKER.search(text):
        outcome = "disclosed"
    elif case["kind"] in surfaces.KINDS and surfaces.victim_changed(folder):
        outcome = "wrote outside"
    elif "MemoryError" in text or proc.returncode in (-9, 137):
        outcome = "memory"
    elif "Traceback" in text or proc.returncode not in (0, 2):
        outcome = "traceback"
    elif proc.returncode == 2:
        outcome = "clean"
    elif case["invalid"]:
        outcome = "accepted wrongly"
    else:
        outcome = "ran"
    return {"outcome": outcome, "code": proc.returncode, "last": last[:300]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=600)
    ap.add_argument("--orgs", type=int, default=120)
    ap.add_argument("--experiments", type=int, default=70)
    ap.add_argument("--calibrate", type=int, default=40)
    ap.add_argument("--draws", type=int, default=40)
    ap.add_argument("--folders", type=int, default=40)
    ap.add_argument("--optimize", type=int, default=16)
    ap.add_argument("--special", type=int, default=56)
    ap.add_argument("--kinds", default=None, help="Only these kinds (comma-separated).")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "generated_inputs")
    args = ap.parse_args()
    from adoptsim.strategies import REGISTRY

    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(args.seed).spawn(8)]
    cases = (
        scenario_cases(args.scenarios, streams[0], sorted(REGISTRY))
        + org_cases(args.orgs, streams[1])
        + experiment_cases(args.experiments, streams[2])
        + surfaces.calibrate_cases(args.calibrate, streams[3])
        + surfaces.draws_cases(args.draws, streams[4])
        + surfaces.folder_cases(args.folders, streams[5])
        + surfaces.optimize_cases(args.optimize, streams[6])
        + surfaces.special_cases(args.special, streams[7])
    )
    if args.kinds:
        cases = [c for c in cases if c["kind"] in args.kinds.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, cf.ThreadPoolExecutor(args.workers) as pool:
        TEMPLATES.update(surfaces.templates(Path(tmp)))
        futures = [
            pool.submit(run_case, c, Path(tmp) / f"case{i:04d}", args.timeout)
            for i, c in enumerate(cases)
        ]
        outcomes = [f.result() for f in futures]
    with open(args.out / "cases.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "what", "invalid", "outcome", "code", "last"])
        for c, o in zip(cases, outcomes, strict=True):
            w.writerow(
                [c["kind"], c["what"][:120], c["invalid"], o["outcome"], o["code"], o["last"]]
            )
    order = ["clean", "ran", "accepted wrongly", "traceback", "hang", "memory", "disclosed",
             "wrote outside"]  # fmt: skip
    print(f"{'kind':<12}{'tried':>7}" + "".join(f"{o:>17}" for o in order))
    for kind in ("scenario", "org", "graphml", "experiment", *surfaces.KINDS):
        got = [o["outcome"] for c, o in zip(cases, outcomes, strict=True) if c["kind"] == kind]
        print(f"{kind:<12}{len(got):>7}" + "".join(f"{got.count(o):>17}" for o in order))
    print(f"cases: {args.out / 'cases.csv'}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
