"""The command line's edge: global options, lazy command loading, errors, the clock.

Commands live in ``onboard.commands.*`` and are imported only when they run
(hatch's LazyGroup idea), so ``onboard --help`` and quick read commands do
not pay for questionary, Jinja or openpyxl. Every :class:`OnboardError` is
turned into a short message and exit code 1 here, in one place.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import click

from onboard import __version__
from onboard.errors import OnboardError

if TYPE_CHECKING:
    from onboard.core.state import ClientState
    from onboard.storage.library import Library
    from onboard.storage.store import Store
    from onboard.storage.workspace import Workspace
    from onboard.ui.prompt import Prompter
    from onboard.ui.terminal import Terminal

COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("onboard.commands.workspace:init", "Make a workspace."),
    "playbooks": ("onboard.commands.playbooks:playbooks", "List playbooks, or show one as a tree."),
    "new": ("onboard.commands.clients:new", "Start a client on a playbook."),
    "next": ("onboard.commands.walk:next_", "Walk through the client's next steps."),
    "done": ("onboard.commands.steps:done", "Mark a step done."),
    "skip": ("onboard.commands.steps:skip", "Skip a step, with a reason."),
    "undo": ("onboard.commands.steps:undo", "Undo the client's last change."),
    "set": ("onboard.commands.steps:set_", "Change client facts."),
    "assign": ("onboard.commands.steps:assign", "Record who holds a role for a client."),
    "gate": (
        "onboard.commands.steps:gate",
        "Record that a gate's event happened (or override it).",
    ),
    "decide": ("onboard.commands.steps:decide", "Record or change a decision that picks a branch."),
    "postpone": ("onboard.commands.steps:postpone", "Move a step's due date by hand."),
    "upgrade": ("onboard.commands.lifecycle:upgrade", "Move a client to the playbook's current revision."),
    "follow": ("onboard.commands.lifecycle:follow", "Start the follow-on playbook for a client."),
    "calendar": (
        "onboard.commands.calendar:calendar",
        "Write session days and due dates as an .ics calendar file.",
    ),
    "report": ("onboard.commands.report:report", "Write the portfolio as one HTML page."),
    "email": ("onboard.commands.email:email", "Render an email to paste, to a file or as an .eml draft."),
    "roster": ("onboard.commands.roster:roster", "Import a roster, read attendance back, or show it."),
    "eval": ("onboard.commands.evals:eval_", "Import evaluation responses."),
    "export": ("onboard.commands.export:export", "Write a roster, attendance sheet or eval summary (xlsx)."),
    "status": ("onboard.commands.views:status", "Where a client stands."),
    "list": ("onboard.commands.views:list_", "Every client, one line each."),
    "due": ("onboard.commands.views:due", "The agenda across all clients."),
    "log": ("onboard.commands.views:log", "A client's history."),
    "restore": (
        "onboard.commands.steps:restore",
        "Bring back the last good version of a client file, or an earlier one.",
    ),
    "check": (
        "onboard.commands.workspace:check",
        "Validate the workspace, its clients and playbooks.",
    ),
    "sync": ("onboard.commands.sync:sync", "Share work with the team through git: commit, merge, push."),
    "resolve": ("onboard.commands.sync:resolve", "Settle a conflict left by merging two people's changes."),
}

HIDDEN_COMMANDS = {"merge-driver": "onboard.commands.sync:merge_driver"}
"""Commands git or scripts call, left out of the help and of completion."""

INTRO = """\
onboard keeps each client's onboarding as a checklist in plain files.

  onboard init                 make a workspace here (or in ~/onboarding)
  onboard playbooks            see the processes it knows
  onboard new "Acme" --playbook training-engagement
  onboard next acme            walk through what is due

Try the bundled example: onboard --home examples/workspace list
"""


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS and cmd_name not in HIDDEN_COMMANDS:
            return None
        target = COMMANDS[cmd_name][0] if cmd_name in COMMANDS else HIDDEN_COMMANDS[cmd_name]
        module_name, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        if os.environ.get("_ONBOARD_COMPLETE"):
            from onboard.ui.completion import attach

            attach(command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OnboardError as exc:
            if isinstance(ctx.obj, App):
                terminal = ctx.obj.terminal
            else:
                from onboard.ui.terminal import Terminal

                terminal = Terminal()
            terminal.error(exc)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("\nInterrupted; everything confirmed before this point is saved.", err=True)
            ctx.exit(130)


@dataclass
class App:
    """What every command needs: the workspace, output, prompts and the clock."""

    home: str | None = None
    prompter: Prompter | None = None
    _terminal: Terminal | None = None
    _workspace: Workspace | None = None
    _library: Library | None = None
    _holidays: frozenset[date] | None = None

    @property
    def terminal(self) -> Terminal:
        """Made on first use, so that commands which print nothing through it never import rich."""
        if self._terminal is None:
            from onboard.ui.terminal import Terminal

            self._terminal = Terminal()
        return self._terminal

    def workspace(self, create: bool = False) -> Workspace:
        """Found and opened on first use.

        Only ``create`` (``onboard new``; ``onboard init`` makes its own) makes
        the default ~/onboarding when there is none: a command that reads
        never writes, and outside a workspace it says how to make one.
        """
        if self._workspace is None:
            from onboard.storage.workspace import find_root, open_workspace

            root, is_default = find_root(self.home)
            if is_default and not (root / "onboard.toml").exists():
                if not create:
                    raise OnboardError(
                        f"No workspace here or in {root}.",
                        f"Make one with `onboard init` (in {root}) or `onboard init DIR`, "
                        "or point --home DIR (or ONBOARD_HOME) at an existing one.",
                    )
                self.terminal.info(f"Created a workspace in {root} (first use).")
            self._workspace = open_workspace(root, create=create and is_default)
        return self._workspace

    def store(self) -> Store:
        """The workspace's client files; each write is committed to git when onboard.toml says so."""
        from onboard.storage.store import Store

        workspace = self.workspace()
        return Store(workspace.clients_dir, on_write=self._commit if workspace.settings.git_commit else None)

    def _commit(self, slug: str, state: ClientState) -> None:
        from onboard.storage.gitshare import commit_change

        workspace = self.workspace()
        problem = commit_change(workspace.root, workspace.clients_dir / slug, state)
        if problem:
            self.terminal.warn(problem)

    def library(self) -> Library:
        """The workspace's own playbooks over the shipped ones, loaded once per run.

        Outside any workspace (none found, no --home), the shipped ones alone,
        so ``onboard playbooks`` can be read before ``onboard init``.
        """
        if self._library is None:
            from onboard.storage.library import Library
            from onboard.storage.workspace import CONFIG, find_root

            root, is_default = find_root(self.home)
            if self._workspace is None and is_default and not (root / CONFIG).is_file():
                self.terminal.info(
                    "No workspace yet: these are the shipped playbooks. Make one with `onboard init`."
                )
                self._library = Library(None)
            else:
                self._library = Library(self.workspace().templates_dir)
        return self._library

    def user(self) -> str:
        """Who makes the changes: ONBOARD_USER, the per-person config, git, then onboard.toml."""
        from onboard.storage.identity import current_person

        workspace = self.workspace()
        return current_person(workspace.root, workspace.settings).name

    def holidays(self) -> frozenset[date]:
        """The workspace's own days and, when onboard.toml names a country, its public holidays."""
        if self._holidays is None:
            from onboard.storage.holidays import holiday_days

            workspace = self.workspace()
            settings = workspace.settings
            self._holidays = holiday_days(
                settings.holidays,
                settings.public_holidays,
                self.today(),
                workspace.root,
                workspace.config_path,
            )
        return self._holidays

    def now(self) -> datetime:
        """The only place that reads the clock. ONBOARD_NOW fixes it for scripts and tests."""
        fixed = os.environ.get("ONBOARD_NOW")
        if fixed:
            try:
                value = datetime.fromisoformat(fixed)
            except ValueError:
                raise OnboardError(
                    f"ONBOARD_NOW={fixed!r} is not a date or date-time.",
                    "Write it like 2026-03-15 or 2026-03-15T09:30.",
                ) from None
            return value if value.tzinfo else value.astimezone()
        return datetime.now().astimezone()

    def today(self, as_of: str | None = None) -> date:
        if as_of:
            try:
                return date.fromisoformat(as_of)
            except ValueError:
                raise OnboardError(f"--as-of {as_of!r} is not a date.", "Write it like 2026-03-15.") from None
        return self.now().date()

    def get_prompter(self, no_input: bool) -> Prompter:
        """The prompter a test put in place, else questions on a terminal, else none (answers by flags)."""
        from onboard.ui.prompt import NoInputPrompter, QuestionaryPrompter

        if self.prompter is not None:
            return self.prompter
        if no_input or not sys.stdin.isatty() or not sys.stdout.isatty():
            return NoInputPrompter()
        return QuestionaryPrompter()


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--home",
    metavar="DIR",
    envvar="ONBOARD_HOME",
    help="The workspace folder (else ONBOARD_HOME, a parent with onboard.toml, or ~/onboarding).",
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, value: _version(ctx) if value else None,
    help="Show the version and exit.",
)
@click.pass_context
def cli(ctx: click.Context, home: str | None) -> None:
    """Client onboarding and delivery playbooks, kept in plain local files.

    \b
    Example:
      onboard --home examples/workspace due
    """
    prompter = ctx.obj.get("prompter") if isinstance(ctx.obj, dict) else None
    ctx.obj = App(home=home, prompter=prompter)
    if ctx.invoked_subcommand is None:
        click.echo(_welcome(home))


def _version(ctx: click.Context) -> None:
    """``--version``, without click.version_option (which imports locale and metadata look-ups)."""
    click.echo(f"onboard, version {__version__}")
    ctx.exit()


def _welcome(home: str | None) -> str:
    """What a bare `onboard` says: the tour outside a workspace, the next commands inside one."""
    from onboard.storage.workspace import CONFIG, find_root

    root, _ = find_root(home)
    if not (root / CONFIG).is_file():
        return INTRO
    clients = root / "clients"
    count = sum(1 for p in clients.iterdir() if (p / "client.toml").is_file()) if clients.is_dir() else 0
    return (
        f"Workspace {root} ({count} clients).\n\n"
        "  onboard due                  what is due across clients\n"
        "  onboard list                 every client, one line each\n"
        "  onboard next CLIENT          walk through a client's next steps\n"
        '  onboard new "Name" -p ID     start a client (see `onboard playbooks`)\n\n'
        "Every command has --help with an example."
    )


pass_app = click.make_pass_decorator(App)


def main() -> None:
    cli(prog_name="onboard")
