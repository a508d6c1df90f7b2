"""Writes the fixture exports of a synthetic company (Northwind, 60 people) as the systems
download them: Microsoft Graph /users pages, an Entra users CSV, an HRIS CSV, Slack member
analytics (gzip NDJSON, one file per day), Teams user activity user-detail CSVs, a Microsoft
365 active users report, an activity CSV and an interaction CSV.

Run ``python tests/data/exports/generate.py`` to rewrite them (deterministic). Every person
is invented; the names are drawn from lists below.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import tempfile
import uuid
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
START = dt.date(2026, 1, 5)
DOMAIN = "northwind.example"
FIRST = [
    "Avery",
    "Blake",
    "Casey",
    "Dana",
    "Eden",
    "Finley",
    "Gray",
    "Harper",
    "Indy",
    "Jordan",
    "Kai",
    "Logan",
    "Morgan",
    "Noa",
    "Oakley",
    "Parker",
    "Quinn",
    "Riley",
    "Sage",
    "Tatum",
    "Uma",
    "Val",
    "Wren",
    "Xan",
    "Yael",
    "Zion",
    "Ari",
    "Bo",
    "Cruz",
    "Dell",
]
LAST = [
    "Lindqvist",
    "Okafor",
    "Brandt",
    "Moreau",
    "Tanaka",
    "Kowalski",
    "Ferreira",
    "Haddad",
    "Novak",
    "Quispe",
    "Sandoval",
    "Achterberg",
    "Ivanova",
    "Mbeki",
    "Castellano",
    "Oyelaran",
    "Pettersen",
    "Rasmussen",
    "Delacroix",
    "Varga",
]
DEPARTMENTS = ["Sales", "Engineering", "Operations", "People"]


def people(rng: np.random.Generator) -> list[dict]:
    """60 people: a CEO, four department heads, managers and their reports."""
    out: list[dict] = []
    names = set()

    def add(title: str, dept: str | None, manager: dict | None) -> dict:
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if (first, last) not in names:
                names.add((first, last))
                break
        upn = f"{first.lower()}.{last.lower()}@{DOMAIN}"
        person = {
            "id": str(uuid.UUID(bytes=rng.bytes(16), version=4)),
            "upn": upn,
            "mail": upn if rng.random() > 0.15 else f"{first[0].lower()}{last.lower()}@{DOMAIN}",
            "name": f"{first} {last}",
            "department": dept,
            "title": title,
            "office": str(rng.choice(["Oslo", "Lagos", "Lyon"])),
            "manager": manager,
            "number": f"NW{1000 + len(out):05d}",
        }
        out.append(person)
        return person

    ceo = add("Chief Executive Officer", "Executive Office", None)
    for dept in DEPARTMENTS:
        head = add(f"VP {dept}", dept, ceo)
        for _ in range(2):
            lead = add(f"{dept} Manager", dept, head)
            for _ in range(int(rng.integers(4, 7))):
                add(f"{dept} Specialist", dept if rng.random() > 0.05 else None, lead)
    while len(out) < 59:
        add("Specialist", "Operations", out[5])
    room = add("", None, None)  # a conference-room account: no manager, no department
    room["name"], room["title"] = "Boardroom Lyon", ""
    room["upn"] = room["mail"] = f"boardroom.lyon@{DOMAIN}"
    return out


def graph_user(p: dict) -> dict:
    user = {
        "id": p["id"],
        "userPrincipalName": p["upn"],
        "displayName": p["name"],
        "department": p["department"],
        "jobTitle": p["title"] or None,
        "mail": p["mail"],
        "officeLocation": p["office"],
    }
    if p["manager"] is not None:
        user["manager"] = {"@odata.type": "#microsoft.graph.user", "id": p["manager"]["id"]}
    return user


def write_directory(ps: list[dict]) -> None:
    folder = HERE / "entra"
    folder.mkdir(exist_ok=True)
    ctx = "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,displayName,department,jobTitle,mail,officeLocation,manager(id))"
    pages = [ps[:40], ps[40:]]
    for k, page in enumerate(pages, start=1):
        body = {"@odata.context": ctx, "value": [graph_user(p) for p in page]}
        if k < len(pages):
            body["@odata.nextLink"] = (
                "https://graph.microsoft.com/v1.0/users?$select=id,userPrincipalName&"
                "$expand=manager($select=id)&$skiptoken=RFNwdAIAAQAAAB"
            )
        (folder / f"users-{k}.json").write_text(json.dumps(body, indent=1) + "\n")
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(["userPrincipalName", "displayName", "objectId", "userType", "jobTitle",
                "department", "accountEnabled", "officeLocation", "mail", "manager"])  # fmt: skip
    for p in ps:
        manager = p["manager"]["upn"] if p["manager"] else ""
        w.writerow([p["upn"], p["name"], p["id"], "Member", p["title"], p["department"] or "",
                    "True", p["office"], p["mail"], manager])  # fmt: skip
    (HERE / "entra_users.csv").write_text("\ufeff" + buf.getvalue(), newline="")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Employee Number", "Legal Name", "Manager Employee Number", "Department Name",
                "Job Title", "Work Location", "Work Email", "Hire Date"])  # fmt: skip
    for p in ps[:-1]:
        manager = p["manager"]["number"] if p["manager"] else ""
        w.writerow([p["number"], p["name"], manager, p["department"] or "", p["title"],
                    p["office"], p["mail"], "2019-03-01"])  # fmt: skip
    (HERE / "hris.csv").write_text("\ufeff" + buf.getvalue())


def adoption_weeks(ps: list[dict], rng: np.random.Generator, weeks: int) -> dict[str, int]:
    """Each adopter's first week (a logistic-looking uptake); others never adopt."""
    first = {}
    for p in ps[:-1]:
        week = int(rng.geometric(0.12))
        if week <= weeks + 8:
            first[p["mail"]] = week
    return first


#: the parameters the Slack fixture is simulated at (the calibration's truth to recover)
TRUTH = {"behavior.external_awareness": 0.2, "behavior.w_social": 0.5, "tool.value": 1.6}


def simulated_use(weeks: int, seed: int = 11) -> np.ndarray:
    """Who used the tool in which week (weeks x people, directory order): one replicate of
    rollout.yaml at TRUTH on the organization read from entra/."""
    from adoptsim.model.engine import Simulation
    from adoptsim.org import load_directory
    from adoptsim.scenario import load_scenario

    spec = load_scenario(HERE / "rollout.yaml")
    spec = spec.with_changes(
        weeks=weeks,
        behavior=spec.behavior.model_copy(
            update={"external_awareness": TRUTH["behavior.external_awareness"],
                    "w_social": TRUTH["behavior.w_social"]}
        ),
        tool=spec.tool.model_copy(update={"value": TRUTH["tool.value"]}),
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        org, _ = load_directory(
            HERE / "entra", "entra", Path(tmp) / "salt", interactions=HERE / "interactions.csv"
        )
    sim = Simulation(spec, org, seed, [0])
    use = np.zeros((weeks, org.n), dtype=bool)
    for w in range(weeks):
        sim.step()
        use[w] = sim.used[0]
    return use


def write_slack(ps: list[dict], rng: np.random.Generator) -> None:
    """84 daily files: a member who used the tool in a week is active on 1-5 of its days."""
    folder = HERE / "slack"
    folder.mkdir(exist_ok=True)
    use = simulated_use(12)
    joined = use.cumsum(axis=0) > 0  # a member appears in the analytics once they joined
    extra = [
        ("ext.partner@fabrikam.example", True),  # a Slack Connect guest
        (f"contractor.three@{DOMAIN}", False),  # in Slack, not in the directory
        ("", False),  # a deleted member: Slack blanks the e-mail
    ]
    ids = {p["mail"]: f"U0{k:07d}" for k, p in enumerate(ps)}
    ids.update({e: f"U1{k:07d}" for k, (e, _) in enumerate(extra)})
    days_on = {}
    for w in range(12):
        for k in np.flatnonzero(use[w]):
            n = int(rng.integers(1, 6))
            days_on[(w, int(k))] = set(rng.choice(7, n, replace=False).tolist())
    for day in range(84):
        date = START + dt.timedelta(days=day)
        week = day // 7
        lines = []
        for k, p in enumerate(ps):
            if joined[week, k]:
                on = day % 7 in days_on.get((week, k), ())
                lines.append(slack_line(date, ids[p["mail"]], p["mail"], on, rng, guest=False))
        for mail, guest in extra:
            lines.append(slack_line(date, ids[mail], mail, rng.random() < 0.3, rng, guest))
        data = ("\n".join(json.dumps(x) for x in lines) + "\n").encode()
        (folder / f"{date.isoformat()}.json.gz").write_bytes(gzip.compress(data, mtime=0))


def slack_line(date, uid, mail, active, rng, guest) -> dict:
    msgs = int(rng.integers(1, 30)) if active else 0
    return {
        "enterprise_id": "E0NORTHWND", "date": date.isoformat(), "user_id": uid,
        "email_address": mail, "enterprise_employee_number": "", "is_guest": guest,
        "is_billable_seat": not guest, "is_active": bool(active),
        "is_active_ios": bool(active and rng.random() < 0.3), "is_active_android": False,
        "is_active_desktop": bool(active), "reactions_added_count": msgs // 3,
        "messages_posted_count": msgs, "channel_messages_posted_count": msgs // 2,
        "files_added_count": 0, "is_active_apps": False, "is_active_workflows": False,
        "is_active_slack_connect": guest, "total_calls_count": 0, "slack_calls_count": 0,
        "slack_huddles_count": int(active), "search_count": msgs // 5,
        "date_claimed": 1767225600,
    }  # fmt: skip


TEAMS_HEADER = [
    "Report Refresh Date", "User Id", "User Principal Name", "Last Activity Date",
    "Is Deleted", "Deleted Date", "Assigned Products", "Team Chat Message Count",
    "Private Chat Message Count", "Call Count", "Meeting Count", "Meetings Organized Count",
    "Meetings Attended Count", "Ad Hoc Meetings Organized Count",
    "Ad Hoc Meetings Attended Count", "Scheduled One-time Meetings Organized Count",
    "Scheduled One-time Meetings Attended Count", "Scheduled Recurring Meetings Organized Count",
    "Scheduled Recurring Meetings Attended Count", "Audio Duration", "Video Duration",
    "Screen Share Duration", "Has Other Action", "Urgent Messages", "Post Messages",
    "Tenant Display Name", "Shared Channel Tenant Display Names", "Reply Messages",
    "Is Licensed", "Report Period",
]  # fmt: skip


def write_teams(ps: list[dict], rng: np.random.Generator) -> None:
    folder = HERE / "teams"
    folder.mkdir(exist_ok=True)
    first = adoption_weeks(ps, rng, 2)
    last: dict[str, str] = {}
    departed = ps[20]
    for day in range(17):  # two weeks and three days: the last three days make no week
        date = START + dt.timedelta(days=day)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        buf.write(",".join(f'"{h}"' for h in TEAMS_HEADER) + "\r\n")
        for p in [*ps, {"upn": f"former.employee@{DOMAIN}", "id": str(uuid.UUID(int=7))}]:
            upn = p["upn"]
            gone = (p is departed and day >= 9) or upn.startswith("former.")
            on = upn in first and first[upn] <= day // 7 + 1 and rng.random() < 0.6 and not gone
            if on:
                last[upn] = date.isoformat()
            msgs = int(rng.integers(1, 40)) if on else 0
            w.writerow([date.isoformat(), p["id"], upn, last.get(upn, ""), str(gone),
                        "2026-01-14" if gone else "", "MICROSOFT 365 E3", msgs // 2, msgs,
                        int(on), int(on), 0, int(on), 0, 0, 0, 0, 0, 0, "PT0S", "PT0S", "PT0S",
                        "No", 0, 0, "Northwind", "", 0, "True" if not gone else "False",
                        1])  # fmt: skip
        (folder / f"TeamsUserActivityUserDetail{date.isoformat()}.csv").write_text(
            "\ufeff" + buf.getvalue(), newline=""
        )


def write_misc(ps: list[dict], rng: np.random.Generator) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Report Refresh Date", "User Principal Name", "Display Name", "Is Deleted",
                "Deleted Date", "Has Teams License", "Teams Last Activity Date",
                "Exchange Last Activity Date", "Report Period"])  # fmt: skip
    for p in ps:
        seen = (START + dt.timedelta(days=int(rng.integers(0, 7)))).isoformat()
        w.writerow(["2026-01-11", p["upn"], p["name"], "False", "", "True",
                    seen if rng.random() < 0.5 else "", "2026-01-09", 7])  # fmt: skip
    (HERE / "m365_active_users.csv").write_text("\ufeff" + buf.getvalue())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["actor", "occurred_at", "event"])
    for k in range(300):
        p = ps[int(rng.integers(0, 59))]
        t = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC) + dt.timedelta(
            hours=int(rng.integers(0, 24 * 28))
        )
        w.writerow([p["mail"].upper() if k % 7 == 0 else p["mail"], t.isoformat(), "page_view"])
    (HERE / "activity.csv").write_text(buf.getvalue())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["sender", "recipient", "count"])
    for _ in range(150):
        a, b = rng.choice(59, 2, replace=False)
        w.writerow([ps[a]["mail"], ps[b]["upn"], int(rng.integers(1, 60))])
    w.writerow([ps[3]["mail"], "someone@fabrikam.example", 12])
    (HERE / "interactions.csv").write_text(buf.getvalue())


def main() -> None:
    rng = np.random.default_rng(20260105)
    ps = people(rng)
    write_directory(ps)
    write_teams(ps, rng)
    write_misc(ps, rng)
    write_slack(ps, rng)  # last: it reads entra/ and interactions.csv


if __name__ == "__main__":
    main()
