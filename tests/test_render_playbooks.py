"""The emails of agency-onboarding, renewal, station-onboarding and saas-onboarding.

Every template renders for a client whose every field is filled with a
realistic value; walked step by step, each email only needs what its step
knows (or names the optional field it still needs); and through the CLI,
finishing a step that sends an email saves it in the client's folder.
"""

from __future__ import annotations

import email
import json
import re
from datetime import date, datetime
from email import policy
from pathlib import Path
from typing import Any

import pytest

from onboard.core.engine import assign_role, complete_step, new_client, open_gate, overview
from onboard.core.playbook import Playbook
from onboard.core.state import ClientState
from onboard.emails.checks import template_problems
from onboard.emails.compose import Emails
from onboard.emails.filters import first_name
from onboard.emails.missing import MissingValuesError
from onboard.storage.library import Library

NOW = datetime(2026, 3, 1, 9, 0)
TODAY = NOW.date()
LEFTOVERS = ("{{", "}}", "{%", "%}", "{#", "None", "Undefined", "Hi ,", "Hello ,", "Dear ,", "[]", "{'")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SALUTATION = re.compile(r"^(?:Hi|Hello) (.+),$")

PLAYBOOKS = ("agency-onboarding", "renewal", "station-onboarding", "saas-onboarding")
CLIENTS = {
    "agency-onboarding": "Acme Ltd",
    "renewal": "Bramble & Sons",
    "station-onboarding": "WXYZ Media Group",
    "saas-onboarding": "Nimbus Analytics",
}
# the client-side people: their first names may open an email
CONTACT_FIELDS = ("client_contact", "primary_contact")
CONTACT_RECORDS = ("contacts", "training_users")

VALUES: dict[str, dict[str, Any]] = {
    "agency-onboarding": {
        "hubspot_deal": "Acme – SEO retainer",
        "desired_start_date": date(2026, 4, 6),
        "scale": "3 markets, 12 deliverables",
        "timeline": "6 months",
        "services": ["SEO", "Paid social"],
        "proposal_signed_date": date(2026, 3, 10),
        "client_contact": "Dr Helen Park",
        "client_contact_email": "helen.park@acme.example",
        "invoice_number": "INV-1001",
        "drive_folder": "https://drive.example/acme",
        "slack_channel": "#client-acme",
        "welcome_meeting_date": date(2026, 3, 13),
        "welcome_meeting_time": "10:00-10:30 GMT",
        "handover_date": date(2026, 3, 17),
        "kickoff_date": date(2026, 3, 20),
        "kickoff_time": "14:00-14:30 GMT",
        "first_payment_date": date(2026, 3, 25),
    },
    "renewal": {
        "proposal_start": date(2026, 1, 6),
        "proposal_end": date(2026, 12, 31),
        "client_contact": "Ravi Shah",
        "client_contact_email": "ravi@bramble.example",
        "renewal_meeting_date": date(2026, 10, 20),
        "renewal_meeting_time": "10:00-11:00 GMT",
        "client_decision": "renew",
        "renewal_type": "retainer",
        "renewal_signed_date": date(2026, 11, 2),
        "exit_interview_date": date(2026, 11, 10),
        "lessons_learned_date": date(2026, 11, 18),
        "lessons_learned": "scope the reporting earlier; the weekly stand-up worked",
    },
    "station-onboarding": {
        "deal_summary": "Two Springfield stations, 2-year license",
        "contacts": [
            {"name": "Dana Cole", "email": "dana@wxyz.example", "title": "Program Director"},
            {"name": "Lee Park", "email": "lee@wxyz.example"},
        ],
        "sales_notes": [
            {"on": date(2026, 2, 20), "kind": "email", "text": "Asked for a spring go-live"},
            {"on": date(2026, 2, 24), "kind": "note", "text": "Two stations, one trainer"},
        ],
        "entities": [
            {"call_sign": "WXYZ-FM", "market": "Springfield", "format": "Country"},
            {"call_sign": "WABC-AM", "market": "Springfield"},
        ],
        "agreement_length": "24 months",
        "payment_type": "Quarterly",
        "products_licensed": ["Ratings Pro", "Ad Insights"],
        "start_date": date(2026, 4, 1),
        "end_date": date(2028, 3, 31),
        "contract_link": "https://drive.example/wxyz-contract.pdf",
        "call_outcomes": "Weekly sync on Tuesdays; logo files to share; go live before the spring book.",
        "recap_links": "https://help.example/onboarding-checklist",
        "training_users": [
            {"name": "Dana Cole", "email": "dana@wxyz.example", "station": "WXYZ-FM"},
            {"name": "Robin Hale", "email": "robin@wxyz.example"},
        ],
        "first_training_date": date(2026, 4, 14),
        "training_time": "10:00-11:30 ET",
        "training_link": "https://meet.example/wxyz-training",
        "survey_link": "https://survey.example/onboarding",
        "resources_link": "https://help.example/stations",
    },
    "saas-onboarding": {
        "closed_won_date": date(2026, 3, 2),
        "primary_contact": "Ana Ruiz",
        "primary_contact_email": "ana@nimbus.example",
        "stakeholders": [
            {"name": "Ana Ruiz", "role": "VP Operations", "email": "ana@nimbus.example"},
            {"name": "Ben Ode", "role": "IT lead"},
        ],
        "business_objectives": "One view of field operations",
        "pain_points": "Spreadsheets, no audit trail",
        "sales_commitments": "SSO by week 4",
        "territory": "EMEA North",
        "kickoff_date": date(2026, 3, 5),
        "kickoff_time": "15:00-16:00 CET",
        "success_kpis": [
            {"metric": "Weekly active users", "target": "80% of licensed seats", "baseline": "0"},
            {"metric": "Reports automated", "target": "12"},
        ],
        "key_users": [
            {"name": "Ben Ode", "email": "ben@nimbus.example", "session": "Admin"},
            {"name": "Cy Park", "email": "cy@nimbus.example", "session": "User"},
        ],
        "success_plan_link": "https://gainsight.example/plans/nimbus",
        "admin_training_date": date(2026, 3, 17),
        "user_training_date": date(2026, 3, 19),
        "needs_solutions_engineer": True,
        "value_review_date": date(2026, 5, 29),
        "value_realized": "82% weekly active users; 12 reports automated",
        "knowledge_base_link": "https://confluence.example/nimbus",
    },
}

PEOPLE = [
    "Olivia Marsh",
    "Sanjay Patel",
    "Grace Okafor",
    "Tom Reyes",
    "Mei Chen",
    "Lars Berg",
    "Nora Quinn",
    "Idris Bello",
    "Paula Costa",
    "Yusuf Kaya",
]


def holders(playbook: Playbook) -> dict[str, tuple[str, str]]:
    """A named person with an email for every role of the playbook."""
    return {
        role: (PEOPLE[index], f"{PEOPLE[index].split()[0].lower()}@team.example")
        for index, role in enumerate(playbook.roles)
    }


def load(playbook_id: str) -> Playbook:
    return Library().load(playbook_id)


def with_roles(playbook: Playbook, state: ClientState) -> ClientState:
    for role, (name, address) in holders(playbook).items():
        state = assign_role(
            playbook, state, role, name=name, initials=None, email=address, now=NOW, by="tester"
        )
    return state


def full_client(playbook: Playbook, *, without: tuple[str, ...] = (), **changes: Any) -> ClientState:
    """Every field filled (but those ``without``), every role held by someone with an email."""
    facts = {k: v for k, v in {**VALUES[playbook.id], **changes}.items() if k not in without}
    state = new_client(playbook, name=CLIENTS[playbook.id], slug="client", facts=facts, now=NOW, by="tester")
    return with_roles(playbook, state)


def templates() -> list[tuple[str, str]]:
    emails = Emails()
    return [(pid, name) for pid in PLAYBOOKS for name in emails.names(pid)]


def known_first_names(playbook: Playbook, state: ClientState) -> set[str]:
    names = {first_name(name) for name, _ in holders(playbook).values()}
    names |= {first_name(state.facts[f]) for f in CONTACT_FIELDS if f in state.facts}
    names |= {first_name(row["name"]) for f in CONTACT_RECORDS for row in state.facts.get(f, [])}
    return names


def assert_clean(text: str) -> None:
    for bad in LEFTOVERS:
        assert bad not in text, f"{bad!r} left in:\n{text}"
    assert not ISO_DATE.search(text), f"a date not written in words:\n{text}"


def assert_greets_someone_known(text: str, known: set[str]) -> None:
    first = text.splitlines()[0]
    match = SALUTATION.match(first)
    assert match, f"no salutation: {first!r}"
    if match.group(1) == "everyone":
        return
    for name in re.split(r", | and ", match.group(1)):
        assert name in known, f"{name!r} in {first!r} is nobody of this client"


# --- the playbooks and their templates ---------------------------------------------------------


@pytest.mark.parametrize("playbook_id", PLAYBOOKS)
def test_values_cover_every_field(playbook_id: str) -> None:
    assert set(VALUES[playbook_id]) == set(load(playbook_id).fields)


@pytest.mark.parametrize("playbook_id", PLAYBOOKS)
def test_every_email_a_step_names_has_a_template_and_the_check_passes(playbook_id: str) -> None:
    library = Library()
    names = set(Emails().names(playbook_id))
    for revision in library.revisions(playbook_id):
        playbook = library.load(playbook_id, revision)
        named = {e for step in playbook.steps for e in step.emails}
        assert named <= names, (revision, named - names)
    current = library.load(playbook_id)
    assert {e for step in current.steps for e in step.emails} == names  # no template left unused
    assert template_problems(current) == []


def test_the_emails_the_seeds_name_are_there() -> None:
    expected = {
        "agency-onboarding": {
            "introduction",
            "welcome-pack",
            "handover-invitation",
            "kickoff-invitation",
            "payment-received",
        },
        "renewal": {"renewal-meeting-invitation", "exit-interview", "lessons-learned", "renewal-proposal"},
        "station-onboarding": {"introduction-call", "call-recap", "onboarding-completion"},
        "saas-onboarding": {
            "kickoff-scheduling",
            "success-plan-approval",
            "training-invitation",
            "check-in",
            "day-90-review-invitation",
            "transition-to-support",
        },
    }
    for playbook_id, names in expected.items():
        assert names <= set(Emails().names(playbook_id)), playbook_id


@pytest.mark.parametrize(("playbook_id", "name"), templates())
def test_every_template_renders_for_a_fully_filled_client(playbook_id: str, name: str) -> None:
    playbook = load(playbook_id)
    state = full_client(playbook)
    rendered = Emails().render(playbook, state, name, TODAY)
    for part in (rendered.subject, rendered.text, rendered.html):
        assert_clean(part)
    assert rendered.subject.strip() and len(rendered.subject) < 120
    assert_greets_someone_known(rendered.text, known_first_names(playbook, state))
    assert rendered.to, "every email has someone to go to"
    assert not rendered.unresolved, [r.ref for r in rendered.unresolved]
    assert rendered.sender is not None and rendered.sender.address
    signer = next(n for n, a in holders(playbook).values() if a == rendered.sender.address)
    assert signer in rendered.text, "signed by its sender"
    message = email.message_from_bytes(rendered.to_bytes(), policy=policy.default)
    # .strip(): the standard library folds a 70-77 character subject right after "Subject:",
    # and reads it back with a leading space
    assert message["Subject"].strip() == rendered.subject
    assert {p.get_content_type() for p in message.iter_parts()} == {"text/plain", "text/html"}


def test_dates_and_names_come_from_the_client() -> None:
    agency = load("agency-onboarding")
    text = Emails().render(agency, full_client(agency), "kickoff-invitation", TODAY).as_text()
    assert text.startswith("Acme Ltd kick-off call: Friday 20 March 2026, 14:00-14:30 GMT\n")
    assert "Hi Helen," in text
    assert "starting Monday 6 April 2026" in text
    saas = load("saas-onboarding")
    plan = Emails().render(saas, full_client(saas), "success-plan-approval", TODAY).as_text()
    assert "- Weekly active users: 80% of licensed seats (today: 0)" in plan
    assert "- Reports automated: 12\n" in plan
    assert "- Admin training for Ben Ode\n- User training for Cy Park\n" in plan
    assert "approve it? A reply" in plan  # no date to approve by until the company sets one
    settings = {"reply_within_business_days": 3}
    dated = Emails(settings=settings).render(saas, full_client(saas), "success-plan-approval", TODAY)
    assert "approve it by Wednesday 4 March 2026?" in dated.text  # three business days after Sunday 1 March
    station = load("station-onboarding")
    setup = Emails().render(station, full_client(station), "station-set-up", TODAY).as_text()
    assert "- WXYZ-FM, Springfield (Country)\n- WABC-AM, Springfield\n" in setup
    assert "create the 2 training users" in setup


def test_optional_details_change_the_wording_not_the_completeness() -> None:
    renewal = load("renewal")
    emails = Emails()
    bare = full_client(renewal, without=("renewal_meeting_date", "renewal_meeting_time"))
    invitation = emails.render(renewal, bare, "renewal-meeting-invitation", TODAY).as_text()
    assert invitation.startswith("Bramble & Sons: time for our renewal meeting\n")
    assert "Could you send me a couple of times that suit you?" in invitation
    assert_clean(invitation)
    dated = full_client(renewal)
    text = emails.render(renewal, dated, "renewal-meeting-invitation", TODAY).text
    assert "Tuesday 20 October 2026, 10:00-11:00 GMT, with Grace Okafor, our Sales Manager" in text
    before = full_client(renewal, without=("renewal_signed_date",))
    asking = emails.render(renewal, before, "renewal-proposal", TODAY)
    assert asking.subject == "Bramble & Sons: your renewal proposal, for signature"
    assert "sign it and send it back to me?" in asking.text
    assert [a.label for a in asking.attachments] == ["the amended proposal"]
    assert asking.as_text().endswith("- the amended proposal (not made by onboard: attach it yourself)\n")


def test_payment_received_says_when_delivery_starts_before_the_payment() -> None:
    agency = load("agency-onboarding")
    state = full_client(agency, without=("first_payment_date",))
    state = open_gate(
        agency, state, "first-payment", now=NOW, by="t", override_by="Managing Director", reason="trusted"
    )
    rendered = Emails().render(agency, state, "payment-received", TODAY)
    assert "approved to start before the first payment" in rendered.subject
    assert "hasn't arrived yet" in rendered.text
    assert_clean(rendered.as_text())


def test_the_station_emails_go_to_every_contact_and_the_completion_to_the_users() -> None:
    station = load("station-onboarding")
    state = full_client(station)
    emails = Emails()
    intro = emails.render(station, state, "introduction-call", TODAY)
    assert [r.address for r in intro.to] == ["dana@wxyz.example", "lee@wxyz.example"]
    assert intro.text.startswith("Hi Dana and Lee,")
    done = emails.render(station, state, "onboarding-completion", TODAY)
    assert [r.address for r in done.to] == ["dana@wxyz.example", "robin@wxyz.example"]
    assert [r.display for r in done.to] == ["Dana Cole", "Robin Hale"]
    with pytest.raises(MissingValuesError) as caught:
        emails.render(station, full_client(station, without=("contacts",)), "call-recap", TODAY)
    assert caught.value.short == ["contacts"]
    assert "onboard set client contacts=" in str(caught.value)


# --- walked step by step ------------------------------------------------------------------------

WALKS = {
    "agency-onboarding": {},
    "renewal-exit": {"client_decision": "exit"},
    "renewal-renew": {"client_decision": "renew"},
    "station-onboarding": {},
    "saas-onboarding": {},
}


def walk(playbook: Playbook, facts: dict[str, Any], optional: bool) -> tuple[dict[str, str], dict[str, list]]:
    """Do every step in order with the answers it asks for; render each email as its step is done.

    ``optional`` False leaves every optional field unanswered. Returns the
    emails rendered and, for those that could not be, the values they need.
    """
    intake = {k: facts[k] for k in playbook.intake}
    state = with_roles(
        playbook, new_client(playbook, name="Client & Co", slug="c", facts=intake, now=NOW, by="t")
    )
    emails = Emails()
    rendered: dict[str, str] = {}
    needs: dict[str, list] = {}
    for _ in range(200):
        view = overview(playbook, state, TODAY)
        if view.complete:
            break
        assert view.actionable, [(v.step.id, v.waiting) for v in view.steps if v.status == "pending"]
        step = view.actionable[0].step
        answers = {k: facts[k] for k in step.asks if k in facts and (optional or playbook.fields[k].required)}
        state = complete_step(playbook, state, step.id, answers=answers, now=NOW, by="t")
        for name in step.emails:
            try:
                text = emails.render(playbook, state, name, TODAY).as_text()
            except MissingValuesError as exc:
                needs[name] = exc.short
                continue
            assert_clean(text)
            rendered[name] = text
    assert overview(playbook, state, TODAY).complete
    return rendered, needs


def applicable_emails(playbook: Playbook, facts: dict[str, Any]) -> set[str]:
    state = new_client(playbook, name="x", slug="x", facts=facts, now=NOW, by="t")
    view = overview(playbook, state, TODAY)
    return {e for v in view.steps if v.status != "n/a" for e in v.step.emails}


@pytest.mark.parametrize("walk_id", sorted(WALKS))
def test_each_email_renders_when_its_step_is_done(walk_id: str) -> None:
    playbook = load(walk_id.removesuffix("-exit").removesuffix("-renew"))
    facts = {**VALUES[playbook.id], **WALKS[walk_id]}
    rendered, needs = walk(playbook, facts, optional=True)
    assert needs == {}
    assert set(rendered) == applicable_emails(playbook, facts)


@pytest.mark.parametrize("walk_id", sorted(WALKS))
def test_without_optional_answers_an_email_only_ever_needs_optional_fields(walk_id: str) -> None:
    playbook = load(walk_id.removesuffix("-exit").removesuffix("-renew"))
    facts = {**VALUES[playbook.id], **WALKS[walk_id]}
    rendered, needs = walk(playbook, facts, optional=False)
    for name, keys in needs.items():
        assert all(k in playbook.fields and not playbook.fields[k].required for k in keys), (name, keys)
    assert set(rendered) | set(needs) == applicable_emails(playbook, facts)
    assert rendered, "most emails need nothing optional"


# --- through the CLI: a step that sends an email saves it ---------------------------------------


def cli_value(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return ", ".join(value) if isinstance(value, list) else str(value)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | int):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def answers_file(path: Path, facts: dict[str, Any]) -> Path:
    path.write_text("".join(f"{k} = {toml_value(v)}\n" for k, v in facts.items()), encoding="utf-8")
    return path


@pytest.mark.parametrize("walk_id", sorted(WALKS))
def test_finishing_a_step_saves_its_email_in_the_client_folder(run, workspace: Path, walk_id: str) -> None:
    playbook = load(walk_id.removesuffix("-exit").removesuffix("-renew"))
    facts = {**VALUES[playbook.id], **WALKS[walk_id]}
    intake = [arg for k in playbook.intake for arg in ("--set", f"{k}={cli_value(facts[k])}")]
    result = run("new", CLIENTS[playbook.id], "-p", playbook.id, "--slug", "client", "--no-input", *intake)
    assert result.exit_code == 0, result.output
    for role, (name, address) in holders(playbook).items():
        assert run("assign", "client", role, name, "--email", address).exit_code == 0
    answers = answers_file(
        workspace / "answers.toml", {k: v for k, v in facts.items() if k not in playbook.intake}
    )
    result = run("next", "client", "--yes", "--no-input", "--force", "--answers", str(answers))
    assert result.exit_code == 0, result.output
    assert "Every step is done." in result.output
    assert "was not written" not in result.output
    out = workspace / "clients" / "client" / "out" / "emails"
    expected = applicable_emails(playbook, facts)
    for name in expected:
        assert f"email {name}" in result.output, name
        text = (out / f"{name}.txt").read_text(encoding="utf-8")
        assert_clean(text)
        with (out / f"{name}.eml").open("rb") as handle:
            message = email.message_from_binary_file(handle, policy=policy.default)
        assert message["Subject"].strip() == text.splitlines()[0]
        assert message["To"].addresses, name
    saved = {p.stem for p in out.glob("*.txt")}
    assert {re.sub(r"-\d{4}-\d{2}-\d{2}(-\d+)?$", "", s) for s in saved} == expected
    printed = run("email", "client", sorted(expected)[0])
    assert printed.exit_code == 0 and printed.stdout.splitlines()[2].startswith("Hi ")
