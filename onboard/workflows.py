"""What several commands do the same way: finish a step, save and show its emails, start a follow-on.

Commands parse arguments and print; when two of them need the same sequence
(``done`` and the ``next`` walk both finish steps; ``next`` and ``follow``
both start a follow-on; ``calendar`` and ``report`` both read every client),
it lives here rather than in one command that the other imports. Heavy
modules (the engine, Jinja, rich) are imported inside the functions that use
them, so that loading this module costs nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from onboard.errors import OnboardError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from onboard.cli import App
    from onboard.core.playbook import Playbook, Step
    from onboard.core.state import ClientState
    from onboard.emails.compose import Emails
    from onboard.emails.message import RenderedEmail as Rendered
    from onboard.emails.recipients import Recipient
    from onboard.storage.store import Store
    from onboard.storage.workspace import Settings
    from onboard.ui.answers import Answers
    from onboard.ui.prompt import Prompter

EMAILS_DIR = ("out", "emails")  # in the client's folder, where rendered emails are saved


class ClientContext(NamedTuple):
    """An existing client as a command works on it: the store, its slug, its state and playbook."""

    store: Store
    slug: str
    state: ClientState
    playbook: Playbook


def client_context(app: App, client: str) -> ClientContext:
    """The slug, state and playbook of an existing client, named by any unique prefix of its slug."""
    store = app.store()
    slug = store.resolve(client)
    state = store.load(slug)
    playbook = app.library().load(state.playbook, state.playbook_revision)
    return ClientContext(store, slug, state, playbook)


def all_clients(app: App) -> tuple[list[tuple[ClientState, Playbook]], list[OnboardError]]:
    """Every readable client with its playbook, and the problems of those that could not be read."""
    store = app.store()
    library = app.library()
    pairs = []
    problems = []
    for slug in store.slugs():
        try:
            state = store.load(slug)
            pairs.append((state, library.load(state.playbook, state.playbook_revision)))
        except OnboardError as exc:
            problems.append(exc)
    return pairs, problems


def report_skipped(app: App, problems: list[OnboardError]) -> None:
    """Say which clients a command across the workspace left out, and why; after its output."""
    for exc in problems:
        app.terminal.warn(f"skipped: {exc.message}")


def write_file(path: Path, data: bytes) -> None:
    """Write an output file atomically; a failure is a clean error naming the file."""
    from onboard.storage.atomic import atomic_write

    try:
        atomic_write(path, data)
    except OSError as exc:
        raise OnboardError(f"Cannot write {path}: {exc.strerror or exc}.") from None


def finish_step(
    app: App,
    client: ClientContext,
    step: Step,
    answers: Answers,
    prompter: Prompter,
    *,
    note: str = "",
    force: bool = False,
    emails: bool = True,
) -> tuple[ClientState, list[Path]]:
    """Ask what a step needs, record it done under the lock, then show the names and emails it produced.

    Shared by ``done`` and the ``next`` walk; returns the new state and the files written.
    ``emails`` False: the walk showed the step's emails as drafts before asking.
    """
    from onboard.core.engine import complete_step
    from onboard.delivery.facts import derived_facts
    from onboard.ui.answers import answers_for_step

    store, slug, state, playbook = client
    state = ask_needed_holders(app, client, step, answers, prompter, emails=emails)
    answers = answers.with_defaults(
        derived_facts(store.folder(slug)), "the client's attendance and evaluation files"
    )
    settings = app.workspace().settings
    values = answers_for_step(
        playbook, step, state, answers, prompter, settings.team, today=app.today(), force=force
    )
    typed = {k.removeprefix("role."): v for k, v in values.items() if k.startswith("role.")}
    values = {k: settings.holder(v) if k.startswith("role.") else v for k, v in values.items()}
    with store.transaction(slug) as tx:
        new_state = complete_step(
            playbook,
            tx.state,
            step.id,
            answers=values,
            now=app.now(),
            by=app.user(),
            note=note,
            holidays=app.holidays(),
            force=force,
        )
        tx.commit(new_state)
    app.terminal.success(f"{state.name}: done {step.id} – {step.title}")
    for role, value in typed.items():
        warn_guessed_holder(app, slug, role, value)
    announce_names(app, playbook, new_state, step)
    return new_state, announce_emails(app, playbook, new_state, step) if emails else []


def announce_names(app: App, playbook: Playbook, state: ClientState, step: Step) -> None:
    """Show the file names a step's naming conventions give (a contract's, a roster's)."""
    from onboard.core.engine import convention_values
    from onboard.core.naming import apply_convention

    settings = app.workspace().settings
    for kind in step.names:
        try:
            name = apply_convention(playbook.naming[kind], convention_values(state))
        except OnboardError as exc:
            app.terminal.warn(f"{kind} file name: {exc.message}")
            for role in _roles_named(playbook.naming[kind]):
                if not (state.roles.get(role) or {}).get("name"):
                    app.terminal.warn(unheld_role(settings, state.slug, role))
            continue
        app.terminal.line(f"  {kind} file name: {name}")


def _roles_named(pattern: str) -> list[str]:
    """The roles whose details (``roles.FAC.initials``) a naming convention cannot do without."""
    from onboard.core.naming import required_fields

    roles = []
    for value in required_fields(pattern):
        head, _, rest = value.partition(".")
        role = rest.partition(".")[0]
        if head == "roles" and role and role not in roles:
            roles.append(role)
    return roles


def unheld_role(settings: Settings, slug: str, role: str) -> str:
    """That nobody holds ``role`` yet, and the `onboard assign` that records who does.

    The example is the team's first member with the role, when there is one.
    """
    from onboard.core.waiting import command

    members = [m.name for m in settings.team if role in m.roles]
    if members:
        example = command("onboard", "assign", slug, role, members[0])
        return f"Nobody holds {role} yet; record who does, like `{example}` ({role} on the team: {', '.join(members)})."
    example = command("onboard", "assign", slug, role, "Full Name")
    return f"Nobody holds {role} yet; record who does: `{example} --initials XX --email name@example.com`."


def guessed_holder(settings: Settings, slug: str, role: str, value: object) -> str | None:
    """Why a role holder's initials are a guess, and the command that corrects them (None: they are not).

    They are a guess when the name is not the team's (unknown, or more than
    one member could be meant) and no initials were given with it: "Jane"
    alone would otherwise end every file name in "-J" without a word.
    """
    from onboard.core.engine import role_holder
    from onboard.core.waiting import command

    if isinstance(value, Mapping):
        if value.get("initials"):
            return None
        name = str(value.get("name") or "")
    elif isinstance(value, str):
        name = value
    else:
        return None
    found = settings.matches(name)
    if len(found) == 1 or not name.strip():
        return None
    held = role_holder(value)
    fix = f"{command('onboard', 'assign', slug, role, str(held['name']))} --initials XX --email name@example.com"
    if found:
        names = " or ".join(m.name for m in found)
        return (
            f"{name!r} could be {names} on the team list, so {role} keeps the name as typed and the "
            f"initials {held['initials']!r} are a guess.\n"
            f"Name one in full (`{command('onboard', 'assign', slug, role, found[0].name)}`), or correct them: `{fix}`."
        )
    return (
        f"{name!r} is not on the team list ([[team]] in onboard.toml), so {role}'s initials "
        f"{held['initials']!r} are a guess{'' if held.get('email') else ' and there is no email'}.\n"
        f"If that is wrong: `{fix}`."
    )


def warn_guessed_holder(app: App, slug: str, role: str, value: object) -> None:
    """Warn when a role holder's initials had to be guessed (see :func:`guessed_holder`)."""
    message = guessed_holder(app.workspace().settings, slug, role, value)
    if message:
        for line in message.splitlines():
            app.terminal.warn(line)


def needed_roles(
    app: App, playbook: Playbook, state: ClientState, step: Step, *, emails: bool = True
) -> dict[str, list[str]]:
    """The roles the step's emails (``emails``) and file names need that nobody holds yet, with what needs each.

    An email needs the role it is from, to, copied or blind-copied to, and
    the roles whose holder its text names; a file name the roles whose
    initials it carries. The roles the step assigns are left to its own question.
    """

    def unheld(role: str) -> bool:
        return (
            role in playbook.roles
            and role not in step.assigns
            and not (state.roles.get(role) or {}).get("name")
        )

    needed: dict[str, list[str]] = {}

    def need(role: str, why: str) -> None:
        if unheld(role) and why not in needed.setdefault(role, []):
            needed[role].append(why)

    if emails and step.emails:
        templates = emails_for(app)
        folder = app.store().folder(state.slug)
        for name in step.emails:
            try:
                spec = templates.spec(playbook, name)
                keys = templates.missing(playbook, state, name, app.today(), app.holidays(), folder)
            except OnboardError:
                continue
            for ref in (spec.sender, *spec.to, *spec.cc, *spec.bcc):
                if ref:
                    need(ref, f"email {name}")
            for key in keys:
                head, _, role = key.partition(".")
                if head == "roles" and "." not in role:
                    need(role, f"email {name}")
    for kind in step.names:
        for role in _roles_named(playbook.naming.get(kind, "")):
            need(role, f"the {kind} file name")
    return {role: whys for role, whys in needed.items() if whys}


def ask_needed_holders(
    app: App, client: ClientContext, step: Step, answers: Answers, prompter: Prompter, *, emails: bool = True
) -> ClientState:
    """Record who holds each role the step's emails and file names need (:func:`needed_roles`) first.

    Each comes from the answers (``--set role.FAC=...``, ``[roles]``) or, at a
    terminal, from the team members with that role as a pick list (free entry
    last). Without either the role stays unheld, and the email or file name
    says which `onboard assign` gives it. Returns the client's state after.
    """
    from onboard.ui.answers import ask_holder

    store, slug, state, playbook = client
    if not prompter.interactive and not any(key.startswith("role.") for key in answers.values):
        return state
    settings = app.workspace().settings
    chosen: dict[str, object] = {}
    for role, whys in needed_roles(app, playbook, state, step, emails=emails).items():
        key = f"role.{role}"
        if answers.has(key):
            chosen[role] = answers.values[key]
        elif prompter.interactive:
            app.terminal.line(f"  {', '.join(whys)} needs the {role}, and nobody holds it yet.", style="dim")
            question = f"Who is the {role} ({playbook.roles[role].name})?"
            chosen[role] = ask_holder(prompter, question, role, "", settings.team)
    if not chosen:
        return state
    with store.transaction(slug) as tx:
        new_state = assign_holders(app, playbook, tx.state, chosen)
        tx.commit(new_state)
    for role, value in chosen.items():
        app.terminal.success(f"{state.name}: {role} is {new_state.roles[role]['name']}")
        warn_guessed_holder(app, slug, role, value)
    return new_state


def assign_holders(
    app: App, playbook: Playbook, state: ClientState, typed: Mapping[str, object]
) -> ClientState:
    """``state`` with each role held by the person typed for it, filled in from the workspace's team."""
    from onboard.core.engine import assign_role, role_holder

    settings = app.workspace().settings
    now = app.now()
    for role, value in typed.items():
        holder = role_holder(settings.holder(value))
        state = assign_role(
            playbook,
            state,
            role,
            name=str(holder["name"]),
            initials=holder["initials"],
            email=holder["email"],
            now=now,
            by=app.user(),
        )
    return state


def start_follow_on(app: App, client: ClientContext, target: Playbook, new_slug: str) -> ClientState:
    """Start ``client`` on the ``target`` playbook as ``new_slug`` and note it in its history."""
    from onboard.core.engine import follow_on, record

    store, slug, state, playbook = client
    now = app.now()
    new_state = follow_on(playbook, state, target, slug=new_slug, now=now, by=app.user())
    store.create(new_state)
    summary = f"followed by {target.id} as {new_slug}"
    with store.transaction(slug) as tx:
        tx.commit(record(tx.state, action="follow", summary=summary, now=now, by=app.user()))
    return new_state


def emails_for(app: App) -> Emails:
    """The email templates of the app's workspace (its own first, then the shipped ones)."""
    from onboard.emails.compose import Emails

    workspace = app.workspace()
    return Emails(workspace.templates_dir, workspace.settings.emails)


def render_email(app: App, emails: Emails, playbook: Playbook, state: ClientState, name: str) -> Rendered:
    """Render one of a client's emails with the files it attaches (the invitation made first)."""
    from onboard.emails.attachments import INVITATION

    folder = app.store().folder(state.slug)
    if INVITATION in emails.spec(playbook, name).attach_kinds:
        make_invitation(app, playbook, state, folder)
    return emails.render(playbook, state, name, app.today(), app.holidays(), folder)


def make_invitation(app: App, playbook: Playbook, state: ClientState, folder: Path) -> Path | None:
    """Write the client's session invitation (.ics) into its ``out/``, once its date is known.

    Rewritten only when it changes, so an email that attaches it stays the same draft.
    """
    from onboard.delivery.facts import OUT_DIR
    from onboard.emails.attachments import invitation_stem
    from onboard.outputs.calendar import session_invitation

    data = session_invitation(state, playbook, app.workspace().settings)
    if data is None:
        return None
    path = folder / OUT_DIR / f"{invitation_stem(state.slug)}.ics"
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(path, data)
    return path


def addresses(recipients: tuple[Recipient, ...] | list[Recipient]) -> str:
    """The recipients that have an address, as a To: or Cc: line."""
    return ", ".join(r.formatted() for r in recipients if r.address)


def save_email(folder: Path, rendered: Rendered, today: date) -> tuple[Path, bool]:
    """Save the text (and, when every recipient has an address, an .eml) under ``folder``.

    An earlier file with different content is never overwritten: the new
    one gets the date, then a counter. Returns the text file's path and
    whether it was newly written (False: an identical one was there).
    """
    from onboard.core.naming import safe_filename

    folder.mkdir(parents=True, exist_ok=True)
    files = {".txt": rendered.as_text().encode("utf-8")}
    if not rendered.unresolved:
        files[".eml"] = rendered.to_bytes()
    stem = safe_filename(rendered.name)
    dated = f"{stem}-{today:%Y-%m-%d}"
    for candidate in itertools.chain([stem, dated], (f"{dated}-{n}" for n in itertools.count(2))):
        paths = {ext: folder / f"{candidate}{ext}" for ext in files}
        existing = {ext for ext, path in paths.items() if path.exists()}
        if any(paths[ext].read_bytes() != files[ext] for ext in existing):
            continue
        for ext in files.keys() - existing:
            write_file(paths[ext], files[ext])
        return paths[".txt"], ".txt" not in existing
    raise AssertionError("unreachable: the candidate names never run out")


def announce_emails(
    app: App, playbook: Playbook, state: ClientState, step: Step, *, draft: bool = False
) -> list[Path]:
    """Render, save and show the emails a step sends; returns the files saved.

    ``draft``: shown before the step is done (the ``next`` walk), to be sent
    first. A problem (a missing field, a broken template) is a warning: the
    step goes on, and `onboard email` renders the email once it is fixed.
    """
    saved_paths: list[Path] = []
    if not step.emails:
        return saved_paths
    from rich.rule import Rule

    from onboard.emails.missing import MissingValuesError

    emails = emails_for(app)
    folder = app.store().folder(state.slug).joinpath(*EMAILS_DIR)
    today = app.today()
    term = app.terminal
    for name in step.emails:
        try:
            rendered = render_email(app, emails, playbook, state, name)
            path, fresh = save_email(folder, rendered, today)
        except MissingValuesError as exc:
            term.warn(f"Email {name} was not written: {', '.join(exc.short)} not set.")
            for key in exc.short:
                head, _, role = key.partition(".")
                if head == "roles" and role in playbook.roles:
                    settings = app.workspace().settings
                    term.warn(unheld_role(settings, state.slug, role))
            term.warn(
                f"Set them (onboard set / onboard assign), then run `onboard email {state.slug} {name}`."
            )
            continue
        except OnboardError as exc:
            term.warn(f"Email {name} was not written: {exc.message}")
            continue
        except OSError as exc:
            term.warn(f"Email {name} was not saved: {exc}")
            continue
        eml = " (and .eml)" if path.with_suffix(".eml").exists() and not rendered.unresolved else ""
        saved = "saved to" if fresh else "unchanged in"
        term.print("")
        term.print(Rule(f"{'draft: ' if draft else ''}email {name}", style="dim", align="left"))
        for label, recipients in (("To", rendered.to), ("Cc", rendered.cc), ("Bcc", rendered.bcc)):
            if recipients:
                term.line(f"{label}: {addresses(recipients) or '(no address yet)'}", style="dim")
        term.line(rendered.as_text().rstrip("\n"))
        term.print(Rule(style="dim"))
        term.success(f"{name} {saved} {path}{eml}")
        warn_incomplete(app, rendered)
        saved_paths.append(path)
    return saved_paths


def warn_incomplete(app: App, rendered: Rendered) -> None:
    """Say which recipients have no address and which declared files are not made yet."""
    for recipient in rendered.unresolved:
        app.terminal.warn(f"No address for {recipient.ref}: {recipient.how}")
    for attachment in rendered.not_made:
        app.terminal.warn(f"Not attached, {attachment.label} is not made yet: {attachment.how}")


def report_problems(app: App, problems: Sequence[object]) -> None:
    """List every unusable row of an imported file on stderr, one line each."""
    for problem in problems:
        app.terminal.warn(str(problem))


def output_dir(store: Store, slug: str, option: str | None) -> Path:
    """Where a command writes its files: ``--output`` if given, else the client's ``out/``."""
    from pathlib import Path

    from onboard.delivery.facts import OUT_DIR

    return Path(option).expanduser() if option else store.folder(slug) / OUT_DIR
