"""``onboard new``: start a client on a playbook."""

from __future__ import annotations

import click

from onboard.cli import App, pass_app
from onboard.commands import answer_options
from onboard.errors import OnboardError


@click.command()
@click.argument("name")
@click.option(
    "--playbook",
    "-p",
    "playbook_id",
    metavar="ID",
    help="The playbook to follow (see `onboard playbooks`).",
)
@click.option("--slug", help="The folder name to use instead of one made from NAME.")
@click.option("--force", is_flag=True, help="Keep a date its field doubts (a deal closed next week).")
@answer_options
@pass_app
def new(
    app: App,
    name: str,
    playbook_id: str | None,
    slug: str | None,
    force: bool,
    sets: tuple[str, ...],
    answers_file: str | None,
    no_input: bool,
) -> None:
    """Start a client: create its folder and ask for the facts the playbook needs first.

    A role holder the playbook's intake names (role.RL) is picked from the
    team members with that role ([[team]] in onboard.toml), free entry last.

    \b
    Example:
      onboard new "Acme Corp" --playbook training-engagement \\
        --set program="Empathy at Work" --set business_unit=General --set delivery_type=Virtual
    """
    from onboard.core.engine import new_client
    from onboard.core.naming import is_slug, slugify
    from onboard.core.waiting import command
    from onboard.ui.answers import ask_holder, check_known_keys, collect, load_answers
    from onboard.workflows import assign_holders, warn_guessed_holder

    answers = load_answers(answers_file, sets)
    prompter = app.get_prompter(no_input)
    app.workspace(create=True)
    library = app.library()
    if not playbook_id:
        available = list(library.available())
        if not prompter.interactive:
            raise OnboardError(
                "Which playbook? Pass --playbook ID.",
                f"Available: {', '.join(available)}; for example "
                f"`{command('onboard', 'new', name, '--playbook', available[0] if available else 'ID')}`.",
            )
        choices = [(pid, f"{pid} – {library.load(pid).description}") for pid in available]
        playbook_id = prompter.select("Which playbook?", choices)
    playbook = library.load(playbook_id)
    if "\x00" in name or not name.strip():
        raise OnboardError("A client name cannot be blank or contain NUL characters.")
    name = " ".join(name.split())
    if slug is not None and not is_slug(slug):
        raise OnboardError(f"--slug {slug!r} must be lower-case letters, digits and dashes.")
    slug = slug or slugify(name)
    store = app.store()
    if store.exists(slug):
        raise OnboardError(
            f"A client {slug!r} already exists.",
            f"See it with `onboard status {slug}`, or choose another --slug.",
        )
    check_known_keys(playbook, answers)
    specs = [playbook.fields[n] for n in playbook.intake]
    run = ["onboard", "new", name, "--playbook", playbook.id]
    if slug != slugify(name):
        run += ["--slug", slug]
    unheld = [role for role in playbook.intake_roles if not answers.has(f"role.{role}")]
    facts = collect(
        specs,
        answers,
        prompter,
        {},
        f"new client {name!r}",
        run=run,
        today=app.today(),
        force=force,
        missing_roles=() if prompter.interactive else [f"role.{role}" for role in unheld],
    )
    settings = app.workspace().settings
    holders = {key[5:]: value for key, value in answers.values.items() if key.startswith("role.")}
    for role in unheld:
        question = f"Who is the {role} ({playbook.roles[role].name})?"
        holders[role] = ask_holder(prompter, question, role, "", settings.team)
    state = new_client(playbook, name=name, slug=slug, facts=facts, now=app.now(), by=app.user())
    state = assign_holders(app, playbook, state, holders)
    path = store.create(state)
    app.terminal.success(f"Started {name} on {playbook.title} ({path})")
    for role, typed in holders.items():
        warn_guessed_holder(app, slug, role, typed)
    if playbook.draft:
        app.terminal.warn(
            f"{playbook.id} follows a DRAFT process, not launched as it stands; steps marked "
            f"inferred fill its gaps. See `onboard playbooks show {playbook.id}`."
        )
    app.terminal.hint(f"onboard next {slug}")
