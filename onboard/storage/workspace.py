"""The workspace: where a coordinator's clients, settings and own templates live.

Found by ``--home``, then ``ONBOARD_HOME``, then the nearest parent folder
holding an ``onboard.toml``, then ``~/onboarding`` (created on first use).
``onboard.toml`` holds the team, the holiday list and defaults.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from onboard.errors import OnboardError
from onboard.storage.holidays import PublicHolidays, own_days, public_holidays
from onboard.storage.tomlfile import read_toml

_Value = TypeVar("_Value")

CONFIG = "onboard.toml"
DEFAULT_HOME = "~/onboarding"

CONFIG_TEMPLATE = """\
# onboard workspace settings.

# Days on which no business-day rule lands: your company's own, written
# 2026-12-24 or "2026-12-24", for example [2026-12-24, 2026-12-31].
holidays = []

# The public holidays of a country, and of one of its regions, count too
# (ISO codes; the calendar comes from the holidays package).
# [public_holidays]
# country = "US"
# region = "NY"

[workspace]
name = "{name}"

[user]
# Who is recorded in the history as having made changes.
name = "{user}"

# The time zone of session times written without one ("9:00-12:00" rather than
# "9:00-12:00 ET"), as an IANA name; without it such sessions are all-day events.
# [calendar]
# timezone = "America/New_York"

# How a meeting report's dates like 03/04/2026 read when nothing in the file
# settles it: "DMY" (3 April, as a UK or European tenant exports them) or
# "MDY" (4 March, as a US one does). `--date-order` overrides it for one import.
# [attendance]
# date_order = "DMY"

# Share the workspace through git: commit every change ("acme: done pre-call").
# [git]
# commit = true

# The people who hold roles on clients; `onboard assign` looks them up here.
# [[team]]
# name = "Jane Doe"
# initials = "JD"
# email = "jane@example.com"
# roles = ["FAC"]

# What the emails may promise. A sentence that needs one of these settings is
# left out until the setting is given, so no email promises what the company
# has not decided. Uncomment and change the ones that apply to you.
[emails]
# The Eval Distribution List, copied on the attendance summary (training-engagement).
# eval_distribution_list = ["evaluations@example.com"]
# How many business days a client is asked to reply within (a Success Plan to
# approve, the logistics questions, a renewal proposal to sign).
# reply_within_business_days = 5
# What an in-person session needs in the room (the logistics request asks for it).
# room_setup = "tables of 4 to 6, a projector with HDMI, flip charts and markers"

# How long each meeting is, in the words an email uses ("30 minutes", "an hour").
[emails.meeting_lengths]
# one_to_one_call = "20 minutes"
# welcome_meeting = "half an hour"
# introduction_call = "30 minutes"
# exit_interview = "30 minutes"
# lessons_learned = "an hour"
# renewal_meeting = "an hour"
# kickoff_call = "an hour"
# training_session = "an hour"
# value_review = "an hour"
"""

EMAIL_SETTINGS = ("eval_distribution_list", "reply_within_business_days", "room_setup", "meeting_lengths")
"""The keys of ``[emails]``; a template reads them as ``settings.<key>``."""
_ADDRESS = re.compile(r"^[^@\s<>,;\"()]+@[^@\s<>,;\"()]+\.[^@\s<>,;\"()]+$")


@dataclass(frozen=True)
class TeamMember:
    """A person who can hold roles on clients (from [[team]])."""

    name: str
    initials: str
    email: str | None = None
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    """The workspace's onboard.toml, checked."""

    name: str = "onboarding"
    user: str = ""
    holidays: frozenset[date] = frozenset()
    public_holidays: PublicHolidays | None = None
    team: tuple[TeamMember, ...] = ()
    git_commit: bool = False
    emails: Mapping[str, Any] = field(default_factory=dict)
    timezone: str | None = None
    date_order: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, text: str) -> tuple[TeamMember, ...]:
        """The team members ``text`` may mean, by the closest kind of match that finds any.

        First the full name, the initials or the email; then the first name;
        then the start of the name (case-insensitive throughout). So "Jane"
        is Jane Doe even when a Janet Roe is on the team too, and more than
        one member found at the same kind of match is ambiguous.
        """
        wanted = " ".join(text.split()).casefold()
        ranked = [(kind, p) for p in self.team if wanted and (kind := _match_kind(p, wanted)) is not None]
        best = min((kind for kind, _ in ranked), default=None)
        return tuple(person for kind, person in ranked if kind == best)

    def member(self, name_or_initials: str) -> TeamMember | None:
        """The one team member a name, first name, start of a name, initials or email means, or None."""
        found = self.matches(name_or_initials)
        return found[0] if len(found) == 1 else None

    def holder(self, value: _Value) -> _Value | dict[str, str | None]:
        """Expand a name the team knows (bare, or a table's) into its name, initials and email.

        A table's own initials and email win over the team entry's.
        """
        if isinstance(value, str) and (person := self.member(value)):
            return {"name": person.name, "initials": person.initials, "email": person.email}
        if isinstance(value, Mapping) and isinstance(value.get("name"), str):
            person = self.member(value["name"])
            if person is not None:
                return {
                    "name": person.name,
                    "initials": value.get("initials") or person.initials,
                    "email": value.get("email") or person.email,
                }
        return value


def _match_kind(person: TeamMember, wanted: str) -> int | None:
    """How closely ``wanted`` names ``person``: 0 name, initials or email; 1 first name; 2 start of name."""
    name = " ".join(person.name.split()).casefold()
    if wanted in {name, person.initials.casefold(), (person.email or "").casefold()}:
        return 0
    if wanted == name.split(" ")[0]:
        return 1
    if name.startswith(wanted):
        return 2
    return None


@dataclass(frozen=True)
class Workspace:
    """A workspace folder and its settings."""

    root: Path
    settings: Settings

    @property
    def clients_dir(self) -> Path:
        return self.root / "clients"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG


def default_user() -> str:
    for var in ("ONBOARD_USER", "USER", "USERNAME"):
        if os.environ.get(var):
            return os.environ[var]
    return "coordinator"


def parse_settings(data: Mapping[str, Any], path: Path) -> Settings:
    """Read ``onboard.toml``; every wrong value names the file and the key."""
    problems: list[str] = []
    workspace = data.get("workspace", {})
    user = data.get("user", {})
    if not isinstance(workspace, dict):
        problems.append("[workspace] must be a table")
        workspace = {}
    if not isinstance(user, dict):
        problems.append("[user] must be a table")
        user = {}
    lines = _lines(path)
    days = own_days(data.get("holidays", []), lines, problems)
    calendar = public_holidays(data.get("public_holidays"), lines, problems)
    team = []
    raw_team = data.get("team", [])
    if not isinstance(raw_team, list):
        problems.append("team must be [[team]] tables")
        raw_team = []
    for index, member in enumerate(raw_team):
        if not isinstance(member, dict) or not isinstance(member.get("name"), str):
            problems.append(f"team[{index}] needs a name")
            continue
        name = member["name"]
        initials = member.get("initials") or "".join(p[0] for p in name.split()).upper()
        roles = member.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            problems.append(f"team[{index}].roles must be a list of role ids")
            roles = []
        email = member.get("email")
        team.append(TeamMember(name, str(initials), email if isinstance(email, str) else None, tuple(roles)))
    git = data.get("git", {})
    if not isinstance(git, dict) or not isinstance(git.get("commit", False), bool):
        problems.append("[git] commit must be true or false")
        git = {}
    timezone = _timezone(data.get("calendar", {}), problems)
    date_order = _date_order(data.get("attendance", {}), problems)
    emails = parse_email_settings(data.get("emails", {}), problems)
    if problems:
        raise OnboardError(f"{path}: " + "; ".join(problems) + ".", "Fix the file and run again.")
    return Settings(
        name=str(workspace.get("name", path.parent.name)),
        user=str(user.get("name") or default_user()),
        holidays=days,
        public_holidays=calendar,
        team=tuple(team),
        git_commit=bool(git.get("commit", False)),
        emails=emails,
        timezone=timezone,
        date_order=date_order,
        raw=data,
    )


def _timezone(calendar: Any, problems: list[str]) -> str | None:
    """[calendar] timezone, checked against the system's time-zone database."""
    if not isinstance(calendar, dict):
        problems.append("[calendar] must be a table")
        return None
    name = calendar.get("timezone")
    if name is None or (isinstance(name, str) and _is_zone(name)):
        return name
    problems.append(f'[calendar] timezone = {name!r} is not a time zone name like "America/New_York"')
    return None


def _date_order(attendance: Any, problems: list[str]) -> str | None:
    """[attendance] date_order: how a meeting report's 03/04/2026 reads when the file does not say."""
    if not isinstance(attendance, dict):
        problems.append("[attendance] must be a table")
        return None
    order = attendance.get("date_order")
    if order is None:
        return None
    if isinstance(order, str) and order.strip().upper() in ("DMY", "MDY"):
        return order.strip().upper()
    problems.append(f'[attendance] date_order = {order!r} must be "DMY" (day first) or "MDY" (month first)')
    return None


def _is_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return False
    return True


def _lines(path: Path) -> list[str]:
    """The file's lines, to name the line of a bad entry (none if it cannot be read again)."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def parse_email_settings(table: Any, problems: list[str]) -> dict[str, Any]:
    """The ``[emails]`` settings that are given, checked; a key left out stays out (unset)."""
    if not isinstance(table, dict):
        problems.append("[emails] must be a table")
        return {}
    settings: dict[str, Any] = {}
    for key, value in table.items():
        where = f"emails.{key}"
        if key not in EMAIL_SETTINGS:
            problems.append(f"{where} is not a setting (use {', '.join(EMAIL_SETTINGS)})")
        elif key == "eval_distribution_list":
            addresses = [value] if isinstance(value, str) else value
            if not isinstance(addresses, list) or not all(
                isinstance(a, str) and _ADDRESS.match(a) for a in addresses
            ):
                problems.append(f'{where} must be a list of email addresses, like ["evals@example.com"]')
            elif addresses:
                settings[key] = list(addresses)
        elif key == "reply_within_business_days":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 60:
                problems.append(f"{where} must be a whole number of business days from 1 to 60")
            else:
                settings[key] = value
        elif key == "meeting_lengths":
            if not isinstance(value, dict) or not all(
                isinstance(v, str) and v.strip() for v in value.values()
            ):
                problems.append(f'{where} must be a table of texts, like welcome_meeting = "half an hour"')
            elif value:
                settings[key] = {k: v.strip() for k, v in value.items()}
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"{where} must be a text")
        else:
            settings[key] = value.strip()
    return settings


def find_root(home: str | None, cwd: Path | None = None) -> tuple[Path, bool]:
    """Where the workspace is, and whether it is the default one (may need creating)."""
    if home:
        return Path(home).expanduser(), False
    env = os.environ.get("ONBOARD_HOME")
    if env:
        return Path(env).expanduser(), False
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG).is_file():
            return folder, False
    return Path(DEFAULT_HOME).expanduser(), True


def init_workspace(root: Path, user: str | None = None) -> bool:
    """Create the workspace files; returns False if it was already one."""
    config = root / CONFIG
    existed = config.is_file()
    (root / "clients").mkdir(parents=True, exist_ok=True)
    (root / "templates").mkdir(exist_ok=True)
    if not existed:
        name = root.resolve().name or "onboarding"
        text = CONFIG_TEMPLATE.format(
            name=name.replace('"', ""), user=(user or default_user()).replace('"', "")
        )
        config.write_text(text, encoding="utf-8")
        # Keep the index of the clients (.onboard-cache/, rebuilt when missing) out of git.
        gitignore = root / ".gitignore"
        ignored = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else ""
        if ".onboard-cache/" not in ignored.splitlines():
            gap = "\n" if ignored and not ignored.endswith("\n") else ""
            gitignore.write_text(f"{ignored}{gap}.onboard-cache/\n", encoding="utf-8")
    return not existed


def open_workspace(root: Path, *, create: bool = False) -> Workspace:
    """Load the workspace at ``root``; with ``create``, make it if it does not exist."""
    config = root / CONFIG
    if not config.is_file():
        if not create:
            raise OnboardError(
                f"{root} is not an onboard workspace (no {CONFIG}).",
                f"Run `onboard init {root}` or pass --home to point at one.",
            )
        init_workspace(root)
    settings = parse_settings(read_toml(config), config)
    return Workspace(root=root, settings=settings)
