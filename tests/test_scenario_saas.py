"""A client walked through saas-onboarding (seed 003, OPS-SOP-020) through the CLI: the four
phases with their due dates from the Closed-Won date across a weekend and listed holidays, the
assignment date when it is not recorded, and an upgrade from an earlier revision (an example
made up here: the SOP's v1.0 text is not available, so no playbook ships for it)."""

import json
import shutil
import tomllib
from datetime import date

from onboard.storage.library import Library, shipped_dir

PLAYBOOK = "saas-onboarding"
PHASES = {
    "pre-onboarding": ["handoff-form", "assign-csm"],
    "kickoff-discovery": ["kickoff-outreach", "kickoff-call", "success-plan"],
    "implementation-training": ["account-setup", "solutions-engineer", "admin-training", "user-training"],
    "value-realization": [
        "check-in-1",
        "check-in-2",
        "check-in-3",
        "check-in-4",
        "first-value-review",
        "transition-to-support",
    ],
}
CONTACT = ["--set", "primary_contact=Ana Ruiz", "--set", "primary_contact_email=ana@nimbus.example"]
INTAKE = ["--set", "closed_won_date=2026-04-01", *CONTACT]
HANDOFF = [
    "--set",
    'stakeholders=[{name="Ana Ruiz", role="VP Operations", email="ana@nimbus.example"}, '
    '{name="Ben Ode", role="IT lead"}]',
    "--set",
    "business_objectives=One view of field operations",
    "--set",
    "pain_points=Spreadsheets, no audit trail",
    "--set",
    "sales_commitments=SSO by week 4",
]
KICKOFF = """
[[success_kpis]]
metric = "Weekly active users"
target = "80% of licensed seats"
baseline = "0"

[[success_kpis]]
metric = "Reports automated"
target = "12"

[[key_users]]
name = "Ben Ode"
email = "ben@nimbus.example"
session = "admin"

[[key_users]]
name = "Cy Park"
email = "cy@nimbus.example"
session = "User"
"""


EXAMPLE_REVISION_1 = """\
# EXAMPLE ONLY: an earlier revision made up for this test.
id = "saas-onboarding"
title = "SaaS onboarding (OPS-SOP-020)"
description = "Sales handoff, kickoff, success plan, setup and training, check-ins, Day-90 value review, support."
revision = 1
source = "EXAMPLE: made up for this test, not the SOP's v1.0 (whose text is not available)"
intake = ["primary_contact", "primary_contact_email"]
notes = ["EXAMPLE: an earlier revision made up for this test, with some of revision 2's steps under other ids."]

[roles.AE]
name = "Account Executive"

[roles.CS]
name = "Customer Success Department"

[roles.CSM]
name = "Customer Success Manager"

[roles.SUPPORT]
name = "General support queue"

[fields.primary_contact]
type = "text"
label = "Client's primary contact (name)"

[fields.primary_contact_email]
type = "email"
label = "Client's primary contact (email)"

[fields.business_objectives]
type = "text"
label = "The client's primary business objectives"

[fields.success_plan_link]
type = "text"
label = "Link to the shared Success Plan"

[fields.value_realized]
type = "text"
label = "Value realized to date, measured against the initial KPIs"

[[stages]]
id = "onboarding"
title = "Client onboarding"

[[stages.steps]]
id = "sales-handoff"
title = "Hand the client over from Sales to Customer Success"
owner = "AE"
asks = ["business_objectives"]

[[stages.steps]]
id = "assign-csm"
title = "Assign a Customer Success Manager"
owner = "CS"
after = ["sales-handoff"]
assigns = ["CSM"]

[[stages.steps]]
id = "kickoff"
title = "Reach out to the client's primary contact and hold a Kickoff Call"
owner = "CSM"
after = ["assign-csm"]
due = "2 business days after step:assign-csm"

[[stages.steps]]
id = "success-plan"
title = "Create the Success Plan and send it to the client for approval"
owner = "CSM"
after = ["kickoff"]
asks = ["success_plan_link"]

[[stages.steps]]
id = "account-setup"
title = "Set up the client's account"
owner = "CSM"
after = ["success-plan"]

[[stages.steps]]
id = "training"
title = "Train the client's team"
owner = "CSM"
after = ["account-setup"]

[[stages.steps]]
id = "check-ins"
title = "Hold regular check-in calls"
owner = "CSM"
after = ["training"]

[[stages.steps]]
id = "value-review"
title = "First Value Review (Day 90)"
owner = "CSM"
after = ["training"]
due = "90 days after step:assign-csm"
asks = ["value_realized"]

[[stages.steps]]
id = "transition-to-support"
title = "Transition the client to the general support queue"
owner = ["CSM", "SUPPORT"]
after = ["value-review", "check-ins"]
"""


def doc(workspace, slug):
    return tomllib.loads((workspace / "clients" / slug / "client.toml").read_text())


def status(run, slug, *args):
    result = run("status", slug, "--json", *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    data["by_id"] = {s["id"]: s for s in data["steps"]}
    return data


def done(run, slug, step, *args):
    result = run("done", slug, step, "--no-input", *args)
    assert result.exit_code == 0, (step, result.output)


def with_holidays(workspace, *days):
    config = workspace / "onboard.toml"
    listed = ", ".join(days)
    config.write_text(config.read_text().replace("holidays = []", f"holidays = [{listed}]", 1))


def test_the_playbook_keeps_the_seed():
    library = Library()
    playbook = library.load(PLAYBOOK)
    assert playbook.revision == 2 and library.revisions(PLAYBOOK) == [2], "no made-up v1.0 ships"
    assert playbook.revision_history == (
        "v1.1 (2025-10-22): Added a phased approach, specified handoff triggers, and detailed the tools used.",
        "v1.0 (2025-09-01): Initial version.",
    )
    assert [[x.id for x in s.steps] for s in playbook.stages] == list(PHASES.values())
    assert [s.title for s in playbook.stages] == [
        "Phase 1: Pre-Onboarding (Sales Handoff)",
        "Phase 2: Kickoff & Discovery (Week 1)",
        "Phase 3: Implementation & Training (Weeks 2-4)",
        "Phase 4: Value Realization & Handover (Weeks 5-12)",
    ]
    assert playbook.step("assign-csm").assigns == ("CSM",)
    emails = {e for s in playbook.steps for e in s.emails}
    assert emails == {
        "kickoff-scheduling",
        "success-plan-approval",
        "training-invitation",
        "check-in",
        "day-90-review-invitation",
        "transition-to-support",
    }
    support = " ".join(str(x) for s in playbook.steps for x in s.support)
    assert "Salesforce" in support and "Gainsight" in support and "Confluence" in support
    agenda = " ".join(playbook.step("kickoff-call").notes)
    assert "Identify key users for training" in agenda and "KPIs" in agenda
    assert playbook.step("solutions-engineer").owner == "CSM" and not playbook.step("solutions-engineer").also
    assert playbook.step("solutions-engineer").consulted == ("SE",)
    assert all("closed_won_date or step:assign-csm" in s.due.source for s in playbook.steps if s.due)
    assert not playbook.fields["closed_won_date"].required


def test_the_four_phases_with_their_due_dates(run, workspace, monkeypatch):
    with_holidays(
        workspace, "2026-04-03", "2026-04-06", "2026-06-04"
    )  # Good Friday, Easter Monday, a Thursday
    monkeypatch.setenv("ONBOARD_NOW", "2026-04-01T16:00")
    result = run("new", "Nimbus Analytics", "--playbook", PLAYBOOK, "--no-input", *INTAKE)
    assert result.exit_code == 0, result.output
    slug = "nimbus-analytics"
    view = status(run, slug)
    # from Closed-Won (Wednesday 1 April), known from the start
    assert view["by_id"]["kickoff-outreach"]["due"] == "2026-04-07"

    # Phase 1: the Sales-to-CS Handoff Form, then the CSM's assignment (Thursday 2 April)
    missing = run("done", slug, "handoff-form", "--no-input")
    assert missing.exit_code == 1 and "stakeholders" in missing.output
    done(run, slug, "handoff-form", *HANDOFF)
    monkeypatch.setenv("ONBOARD_NOW", "2026-04-02T10:00")
    done(run, slug, "assign-csm", "--set", "role.CSM=Jordan Lee", "--set", "territory=EMEA North")
    state = doc(workspace, slug)
    assert state["facts"]["stakeholders"] == [
        {"name": "Ana Ruiz", "role": "VP Operations", "email": "ana@nimbus.example"},
        {"name": "Ben Ode", "role": "IT lead"},
    ]
    assert state["roles"]["CSM"] == {"name": "Jordan Lee", "initials": "JL"}
    assert state["steps"]["assign-csm"]["on"] == date(2026, 4, 2)
    assert state["facts"]["closed_won_date"] == date(2026, 4, 1)

    view = status(run, slug)
    assert view["stage"] == "kickoff-discovery"
    due = {step: view["by_id"][step]["due"] for step in view["by_id"]}
    # counted from Closed-Won on Wednesday 1 April, not from the assignment the day after.
    # within 2 business days: Thu 2, Fri 3 (holiday), the weekend, Mon 6 (holiday), Tue 7
    assert due["kickoff-outreach"] == "2026-04-07"
    assert due["kickoff-call"] == due["success-plan"] == "2026-04-08"  # week 1
    assert due["account-setup"] == due["admin-training"] == due["user-training"] == "2026-04-29"  # week 4
    # bi-weekly from week 5 to week 12, each with its own date
    assert [due[f"check-in-{k}"] for k in range(1, 5)] == [
        "2026-05-06",
        "2026-05-20",
        "2026-06-03",
        "2026-06-17",
    ]
    assert due["first-value-review"] == "2026-06-30"  # Day 90
    assert due["transition-to-support"] is None
    late = status(run, slug, "--as-of", "2026-04-08")
    assert late["by_id"]["kickoff-outreach"]["overdue"] is True
    assert status(run, slug, "--as-of", "2026-04-07")["by_id"]["kickoff-outreach"]["overdue"] is False

    # Phase 2: kickoff and discovery
    done(run, slug, "kickoff-outreach", "--set", "kickoff_date=2026-04-07")
    kpis = workspace / "kickoff.toml"
    kpis.write_text(KICKOFF)
    done(run, slug, "kickoff-call", "--answers", str(kpis))
    done(run, slug, "success-plan", "--set", "success_plan_link=https://gainsight.example/plans/nimbus")
    state = doc(workspace, slug)
    for step in PHASES["kickoff-discovery"]:
        assert state["steps"][step]["status"] == "done"
    assert state["facts"]["success_kpis"][1] == {"metric": "Reports automated", "target": "12"}
    assert [u["session"] for u in state["facts"]["key_users"]] == ["Admin", "User"]
    assert state["facts"]["success_plan_link"].endswith("/nimbus")
    assert status(run, slug)["stage"] == "implementation-training"

    # Phase 3: no Solutions Engineer needed this time
    done(run, slug, "account-setup", "--set", "needs_solutions_engineer=no")
    view = status(run, slug)
    assert view["by_id"]["solutions-engineer"]["status"] == "n/a"
    done(run, slug, "admin-training")
    done(run, slug, "user-training")
    state = doc(workspace, slug)
    assert state["facts"]["needs_solutions_engineer"] is False
    assert "solutions-engineer" not in state["steps"]
    assert status(run, slug)["stage"] == "value-realization"

    # Phase 4: check-ins, the Day-90 review and the transition to support, in one walk
    monkeypatch.setenv("ONBOARD_NOW", "2026-07-01T15:00")
    result = run("next", slug, "--yes", "--no-input", "--set", "value_realized=82% weekly active; 12 reports")
    assert result.exit_code == 0, result.output
    assert "Every step is done." in result.output
    state = doc(workspace, slug)
    for step in PHASES["value-realization"]:
        assert state["steps"][step] == {"status": "done", "on": date(2026, 7, 1), "by": "tester"}
    final = status(run, slug)
    assert final["progress"] == 1.0 and final["complete"] is True and final["stage"] is None
    assert final["by_id"]["solutions-engineer"]["status"] == "n/a"
    assert sum(s["status"] == "done" for s in final["steps"]) == 14


def test_without_the_closed_won_date_dates_count_from_the_assignment(run, workspace):
    run("new", "Vega", "-p", PLAYBOOK, "--no-input", *CONTACT)
    assert "closed_won_date" not in doc(workspace, "vega")["facts"]
    assert status(run, "vega")["by_id"]["kickoff-outreach"]["due"] is None  # nothing to count from yet
    done(run, "vega", "handoff-form", *HANDOFF)
    done(run, "vega", "assign-csm", "--set", "role.CSM=Jordan Lee")
    kpis = workspace / "kickoff.toml"
    kpis.write_text(KICKOFF)
    done(run, "vega", "kickoff-outreach")
    done(run, "vega", "kickoff-call", "--answers", str(kpis))
    done(run, "vega", "success-plan", "--set", "success_plan_link=https://gainsight.example/plans/vega")
    view = status(run, "vega")
    waiting = view["by_id"]["solutions-engineer"]["waiting"]
    assert ("fact", "needs_solutions_engineer") in [(w["kind"], w["id"]) for w in waiting]
    done(run, "vega", "account-setup", "--set", "needs_solutions_engineer=yes")
    view = status(run, "vega")
    assert view["by_id"]["solutions-engineer"]["status"] == "pending"
    assert view["by_id"]["solutions-engineer"]["actionable"] is True
    assert view["by_id"]["solutions-engineer"]["due"] == "2026-03-30"  # week 4 from Sunday 1 March
    shown = json.loads(run("playbooks", "show", PLAYBOOK, "--json").output)
    engineer = next(x for s in shown["stages"] for x in s["steps"] if x["id"] == "solutions-engineer")
    assert (engineer["owner"], engineer["also"], engineer["consulted"]) == ("CSM", [], ["SE"])


def test_upgrade_from_an_earlier_revision_keeps_done_steps_and_lists_changes(run, workspace):
    # A team that ran an earlier revision of its own (an example) started a client on it...
    override = workspace / "templates" / PLAYBOOK
    override.mkdir()
    (override / "playbook.toml").write_text(EXAMPLE_REVISION_1)
    result = run(
        "new",
        "Orbit",
        "-p",
        PLAYBOOK,
        "--no-input",
        "--set",
        "primary_contact=Oli",
        "--set",
        "primary_contact_email=o@orbit.co",
    )
    assert result.exit_code == 0, result.output
    assert doc(workspace, "orbit")["playbook_revision"] == 1
    done(run, "orbit", "sales-handoff", "--set", "business_objectives=Faster onboarding of suppliers")
    done(run, "orbit", "assign-csm", "--set", "role.CSM=Jordan Lee")
    done(run, "orbit", "kickoff")
    done(run, "orbit", "success-plan", "--set", "success_plan_link=https://plans.example/orbit")
    # ...then moved to the shipped playbook (v1.1, revision 2), keeping its own revision 1 beside it:
    # the client stays on revision 1
    (override / "revisions").mkdir()
    (override / "playbook.toml").rename(override / "revisions" / "1.toml")
    shutil.copy(shipped_dir() / PLAYBOOK / "playbook.toml", override / "playbook.toml")
    before = doc(workspace, "orbit")
    view = status(run, "orbit")
    assert view["playbook_revision"] == 1 and "kickoff" in view["by_id"] and "check-in-1" not in view["by_id"]
    assert view["by_id"]["account-setup"]["actionable"] is True
    assert "started on saas-onboarding revision 1" in run("check").output

    path = workspace / "clients" / "orbit" / "client.toml"
    raw = path.read_bytes()
    dry = run("upgrade", "orbit", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert path.read_bytes() == raw
    lines = {line.strip() for line in dry.output.splitlines()}
    assert "saas-onboarding: revision 1 -> 2" in lines
    assert {
        "~ sales-handoff -> handoff-form (renamed)",
        "~ kickoff -> kickoff-call (renamed)",
        "~ training -> admin-training (renamed)",
        "~ value-review -> first-value-review (renamed)",
        "+ kickoff-outreach",
        "+ user-training",
        "+ solutions-engineer",
        "+ check-in-1",
        "+ check-in-4",
        "- check-ins",
        "~ kickoff-call: due '2 business days after step:assign-csm' -> "
        "'1 week after closed_won_date or step:assign-csm'",
        "~ success-plan: due 'none' -> '1 week after closed_won_date or step:assign-csm'",
    } <= lines

    result = run("upgrade", "orbit", "--yes")
    assert result.exit_code == 0, result.output
    after = doc(workspace, "orbit")
    assert after["playbook_revision"] == 2
    assert after["steps"]["handoff-form"] == before["steps"]["sales-handoff"]
    assert after["steps"]["kickoff-call"] == before["steps"]["kickoff"]
    assert after["steps"]["assign-csm"] == before["steps"]["assign-csm"]
    assert after["steps"]["success-plan"] == before["steps"]["success-plan"]
    assert not {"sales-handoff", "kickoff"} & set(after["steps"])
    assert after["history"][: len(before["history"])] == before["history"]  # history kept
    assert after["history"][-1]["action"] == "upgrade"
    assert "revision 1 to 2" in after["history"][-1]["summary"]
    assert "started on saas-onboarding revision 1" not in run("check").output

    view = status(run, "orbit")
    assert view["playbook_revision"] == 2 and view["stage"] == "kickoff-discovery"
    assert view["by_id"]["kickoff-outreach"]["actionable"] is True
    # revision 2's dates: no Closed-Won date was recorded under revision 1, so they count from the
    # assignment on Sunday 1 March; weekend dates move to the Monday
    due = {k: v["due"] for k, v in view["by_id"].items()}
    assert [due[f"check-in-{k}"] for k in range(1, 5)] == [
        "2026-04-06",
        "2026-04-20",
        "2026-05-04",
        "2026-05-18",
    ]
    assert due["first-value-review"] == "2026-06-01"

    skipped = run("skip", "orbit", "kickoff-outreach", "--reason", "reached out under revision 1")
    assert skipped.exit_code == 0, skipped.output
    answers = workspace / "orbit.toml"
    answers.write_text(KICKOFF + '\n[actions]\n"solutions-engineer" = "skip: no integrations"\n')
    result = run(
        "next",
        "orbit",
        "--yes",
        "--no-input",
        "--answers",
        str(answers),
        "--set",
        "needs_solutions_engineer=yes",
        "--set",
        "value_realized=Supplier onboarding down from 10 to 3 days",
    )
    assert result.exit_code == 0, result.output
    final = status(run, "orbit")
    assert final["progress"] == 1.0 and final["complete"] is True
    state = doc(workspace, "orbit")
    assert state["steps"]["kickoff-outreach"]["status"] == "skipped"
    assert state["steps"]["solutions-engineer"]["note"] == "no integrations"
    assert state["steps"]["handoff-form"] == before["steps"]["sales-handoff"]


def test_a_renamed_repeated_step_carries_each_occurrence(run, workspace):
    # a team's own revision 3 renames the bi-weekly check-ins; revision 2 is the shipped one
    own = workspace / "templates" / PLAYBOOK
    (own / "revisions").mkdir(parents=True)
    shipped = (shipped_dir() / PLAYBOOK / "playbook.toml").read_text()
    (own / "revisions" / "2.toml").write_text(shipped)
    renamed = shipped.replace("revision = 2\n", "revision = 3\n", 1).replace(
        'id = "check-in"\n', 'id = "progress-call"\nrenamed_from = ["check-in"]\n', 1
    )
    (own / "playbook.toml").write_text(renamed)
    run("new", "Lyra", "-p", PLAYBOOK, "--no-input", *CONTACT)
    path = workspace / "clients" / "lyra" / "client.toml"
    path.write_text(
        path.read_text()
        .replace("playbook_revision = 3", "playbook_revision = 2")
        .replace('"meta.playbook_revision" = 3', '"meta.playbook_revision" = 2')
    )
    answers = workspace / "lyra.toml"
    later = "".join(f'"{step}" = "later"\n' for step in PHASES["value-realization"][1:5])
    answers.write_text(KICKOFF + '\n[roles]\nCSM = "Jordan Lee"\n[actions]\n' + later)
    extra = ["--set", "needs_solutions_engineer=no", "--set", "success_plan_link=https://p.example/lyra"]
    result = run("next", "lyra", "--yes", "--no-input", "--answers", str(answers), *HANDOFF, *extra)
    assert result.exit_code == 0, result.output
    before = doc(workspace, "lyra")["steps"]
    assert before["check-in-1"]["status"] == "done" and "check-in-2" not in before

    dry = run("upgrade", "lyra", "--dry-run").output
    assert "~ check-in-1 -> progress-call-1 (renamed)" in dry
    assert "~ check-in-4 -> progress-call-4 (renamed)" in dry
    assert "- check-in-1" not in dry and "+ progress-call-1" not in dry
    assert run("upgrade", "lyra", "--yes").exit_code == 0
    after = doc(workspace, "lyra")
    assert after["steps"]["progress-call-1"] == before["check-in-1"]
    assert "progress-call-4" not in after["steps"] and "check-in-1" not in after["steps"]
    assert run("check").exit_code == 0
