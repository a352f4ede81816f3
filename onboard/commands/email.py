"""``onboard email``: a client's emails, to paste, to a file or as an .eml draft.

Also :func:`announce_emails`, which ``onboard next`` and ``onboard done``
call when a step that sends emails is completed: each email is rendered,
saved under the client's ``out/emails/`` and shown. Jinja is imported only
when an email is actually rendered (through :mod:`onboard.emails.render`).
"""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Any

import click

from onboard.cli import App, pass_app
from onboard.commands import client_context
from onboard.errors import OnboardError

OUT_DIR = ("out", "emails")


def emails_for(app: App):
    """The email templates of the app's workspace (its own first, then the shipped ones)."""
    from onboard.emails.render import Emails

    return Emails(app.workspace().templates_dir)


def _write(path: Path, data: bytes) -> None:
    from onboard.storage.atomic import atomic_write

    try:
        atomic_write(path, data)
    except OSError as exc:
        raise OnboardError(f"Cannot write {path}: {exc.strerror or exc}.") from None


def _addresses(recipients) -> str:
    return ", ".join(r.formatted() for r in recipients if r.address)


@click.command()
@click.argument("client")
@click.argument("template", required=False)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Write the text (subject on the first line) to FILE instead of printing it.",
)
@click.option(
    "--eml",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Write an .eml draft (plain text and HTML) that a mail client opens.",
)
@click.option("--json", "as_json", is_flag=True, help="With no TEMPLATE: print the list as JSON.")
@pass_app
def email(
    app: App,
    client: str,
    template: str | None,
    output: str | None,
    eml: str | None,
    as_json: bool,
) -> None:
    """Render one of a client's emails, or list the emails of its playbook.

    The text goes to stdout, plain, ready to paste: the subject on the first
    line, a blank line, then the body. Every value comes from the client; if
    one is missing, the command names each and says how to set it, and
    writes nothing.

    \b
    Example:
      onboard email acme                          (list; ▶ = sent by a step you can do now)
      onboard email acme date-request
      onboard email acme date-request -o date-request.txt
      onboard email acme date-request --eml date-request.eml
    """
    _, _, state, playbook = client_context(app, client)
    emails = emails_for(app)
    if template is None:
        if output or eml:
            raise click.UsageError("-o and --eml need a TEMPLATE.")
        _list(app, emails, playbook, state, as_json)
        return
    if as_json:
        raise click.UsageError("--json lists the templates; leave out TEMPLATE.")
    rendered = emails.render(playbook, state, template, app.today(), app.holidays())
    eml_bytes = rendered.to_bytes() if eml else None
    if output:
        _write(Path(output), rendered.as_text().encode("utf-8"))
        app.terminal.success(f"Wrote {output}")
    if eml and eml_bytes is not None:
        _write(Path(eml), eml_bytes)
        app.terminal.success(f"Wrote {eml} (open it in your mail client; it is a draft)")
    if not (output or eml):
        click.echo(rendered.as_text(), nl=False)
        _recipients_note(app, rendered)


def _recipients_note(app: App, rendered) -> None:
    """Who the email goes to, on stderr so that stdout stays ready to paste."""
    for label, recipients in (("To", rendered.to), ("Cc", rendered.cc), ("Bcc", rendered.bcc)):
        if any(r.address for r in recipients):
            app.terminal.info(f"{label}: {_addresses(recipients)}")
    for recipient in rendered.unresolved:
        app.terminal.warn(f"No address for {recipient.ref}: {recipient.how}")


def _list(app: App, emails, playbook, state, as_json: bool) -> None:
    from rich.markup import escape

    from onboard.core.engine import NA, overview

    ov = overview(playbook, state, app.today(), app.holidays())
    current = {name for view in ov.actionable for name in view.step.emails}
    steps: dict[str, list[Any]] = {}
    for view in ov.steps:
        for name in view.step.emails:
            steps.setdefault(name, []).append(view)
    names = list(steps) + [n for n in emails.names(playbook.id) if n not in steps]
    rows: list[dict[str, Any]] = []
    for name in names:
        views = steps.get(name, [])
        entry: dict[str, Any] = {
            "name": name,
            "steps": [v.step.id for v in views],
            "current": name in current,
            "applies": not views or any(v.status != NA for v in views),
            "ready": False,
            "missing": [],
        }
        if emails.find(playbook.id, name) is None:
            entry["error"] = "no template"
        else:
            try:
                entry["missing"] = emails.missing(playbook, state, name, app.today(), app.holidays())
                entry["ready"] = not entry["missing"]
            except OnboardError as exc:
                entry["error"] = exc.message
        rows.append(entry)
    if as_json:
        app.terminal.json(rows)
        return
    table = []
    for entry in rows:
        if "error" in entry:
            ready = f"[red]{escape(entry['error'])}[/]"
        elif entry["ready"]:
            ready = "[green]ready[/]"
        else:
            ready = "[yellow]needs[/] " + escape(", ".join(entry["missing"]))
        sent_by = ", ".join(entry["steps"]) or "[dim](any time)[/]"
        if not entry["applies"]:
            sent_by += " [dim](n/a)[/]"
        mark = "[bold cyan]▶[/]" if entry["current"] else ""
        table.append([mark, escape(entry["name"]), sent_by, ready])
    app.terminal.table(
        ["", "email", "sent by step", "ready"],
        table,
        title=f"Emails for {state.name} ({playbook.id})",
        fit="ready",
    )
    if current:
        app.terminal.print("[dim]▶ sent by a step you can do now.[/]")
    app.terminal.hint(f"onboard email {state.slug} NAME")


def save_email(folder: Path, rendered, today: date) -> tuple[Path, bool]:
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
            _write(paths[ext], files[ext])
        return paths[".txt"], ".txt" not in existing
    raise AssertionError("unreachable: the candidate names never run out")


def announce_emails(app: App, playbook, state, step) -> list[Path]:
    """Render, save and show the emails a just-completed step sends; returns the files saved.

    A problem (a missing field, a broken template) is a warning: the step
    stays done, and `onboard email` renders the email once it is fixed.
    """
    saved_paths: list[Path] = []
    if not step.emails:
        return saved_paths
    from rich.rule import Rule

    from onboard.emails.render import MissingValuesError

    emails = emails_for(app)
    folder = app.store().folder(state.slug).joinpath(*OUT_DIR)
    today = app.today()
    term = app.terminal
    for name in step.emails:
        try:
            rendered = emails.render(playbook, state, name, today, app.holidays())
            path, fresh = save_email(folder, rendered, today)
        except MissingValuesError as exc:
            term.warn(f"Email {name} was not written: {', '.join(exc.short)} not set.")
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
        term.print(Rule(f"email {name}", style="dim", align="left"))
        for label, recipients in (("To", rendered.to), ("Cc", rendered.cc)):
            if recipients:
                term.line(f"{label}: {_addresses(recipients) or '(no address yet)'}", style="dim")
        term.line(rendered.as_text().rstrip("\n"))
        term.print(Rule(style="dim"))
        term.success(f"{name} {saved} {path}{eml}")
        for recipient in rendered.unresolved:
            term.warn(f"No address for {recipient.ref}: {recipient.how}")
        saved_paths.append(path)
    return saved_paths
