"""``onboard eval``: import evaluation responses and show their summary."""

from __future__ import annotations

from pathlib import Path

import click

from onboard.cli import App, pass_app
from onboard.errors import OnboardError
from onboard.workflows import client_context


@click.command(name="eval")
@click.argument("client")
@click.option("--import", "import_file", metavar="FILE", help="Import responses from an .xlsx or .csv file.")
@click.option(
    "--skip-invalid", is_flag=True, help="Import the usable responses even when others cannot be used."
)
@click.option(
    "--scale",
    "scale_options",
    metavar="QUESTION=SCALE",
    multiple=True,
    help="With --import: the scale of the question whose header starts with QUESTION "
    "(1-5, 0-10, 0-100, yes/no, or text for free text). Repeat it for more questions.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_app
def eval_(
    app: App,
    client: str,
    import_file: str | None,
    skip_invalid: bool,
    scale_options: tuple[str, ...],
    as_json: bool,
) -> None:
    """Import evaluation responses, or show their summary.

    The file has one row per response and a column per question. Each
    question has its scale (1-5, 0-10, 0-100 or yes/no), read from its
    header ('(1-5)', '0-10', 'out of 5', 'yes/no') or else from its answers,
    as the import says; --scale sets it. Scores may be numbers, '5 -
    Excellent', agree/disagree words or words ('five'); 'N/A', '-' and a
    blank are no answer to that question only. Columns of text are kept as
    comments; timestamp, email and name columns are ignored. Every answer
    that is not on its question's scale is listed with its row and column,
    and then nothing is stored unless --skip-invalid is given (the person's
    other answers are kept). Averages are per question and per scale; an
    overall average only when the questions share one scale.

    \b
    Example:
      onboard eval acme --import "Survey results.xlsx"
      onboard eval acme --import survey.csv --scale "How likely=0-10" --scale "Would you=yes/no"
      onboard eval acme --json
    """
    from onboard.delivery.cells import problems_error
    from onboard.delivery.datafiles import load_evaluations
    from onboard.delivery.evaluations import summarise
    from onboard.delivery.facts import participants

    if scale_options and not import_file:
        raise OnboardError(
            "--scale goes with --import: the scales are read with the responses.",
            f'Import the file again: onboard eval {client} --import FILE --scale "QUESTION=SCALE"',
        )
    store, slug, state, _ = client_context(app, client)
    folder = store.folder(slug)
    if import_file:
        from onboard.outputs.excel import import_evaluations
        from onboard.workflows import report_problems

        path = Path(import_file)
        result = import_evaluations(path, console=app.terminal.err, scales=_scale_options(scale_options))
        evaluations = result.evaluations
        for note in result.scale_notes:
            app.terminal.info(f"Scale of {note}.")
        report_problems(app, result.problems)
        if result.problems and not skip_invalid:
            raise problems_error(str(path), result.problems, len(evaluations.responses), "responses")
        if not evaluations.responses:
            raise OnboardError(f"{path}: no responses in it; nothing was stored.")
        evaluations.imported_at = app.now()
        evaluations.imported_by = app.user()
        saved = _store(app, store, slug, path, evaluations)
        if result.ignored:
            app.terminal.info("Columns not used: " + ", ".join(result.ignored))
        app.terminal.success(f"Imported {len(evaluations.responses)} responses from {path.name} into {saved}")
    else:
        kept = load_evaluations(folder)
        if kept is None:
            if as_json:
                app.terminal.json(None)
                return
            app.terminal.line(f"No evaluations for {state.name} yet.")
            app.terminal.hint(f'onboard eval {slug} --import "RESPONSES.xlsx"')
            return
        evaluations = kept
    count, source = participants(folder)
    summary = summarise(evaluations, count, source)
    if as_json:
        app.terminal.json(summary.as_json())
        return
    from rich.markup import escape

    term = app.terminal
    rate = f"{summary.response_rate:.0%}" if summary.response_rate is not None else "unknown"
    people = f"{summary.participants} (from the {source})" if summary.participants is not None else "unknown"
    term.line(f"Participants: {people}")
    term.line(f"Responses: {summary.responses} · response rate: {rate}")
    rows = [
        [str(q.number), escape(q.question), q.scale.label, str(q.responses), q.text]
        for q in summary.questions
    ]
    term.table(
        [
            ("#", {"justify": "right"}),
            "question",
            "scale",
            ("answers", {"justify": "right"}),
            ("average", {"justify": "right"}),
        ],
        rows,
        fit="question",
    )
    if summary.overall_text:
        term.print(f"[bold]Overall average: {summary.overall_text}[/]")
    elif len(summary.by_scale) > 1:
        term.line("No overall average: the questions use different scales.")
        for group in summary.by_scale:
            if group.average is not None:
                term.line(f"  {group.sentence}")
    if summary.comments:
        term.line(f"{len(summary.comments)} comment(s); see them with `onboard export {slug} eval`.")
    term.hint(f"onboard export {slug} eval")


def _scale_options(options: tuple[str, ...]) -> dict[str, str]:
    """--scale "QUESTION=SCALE" entries as {question: scale}."""
    scales = {}
    for option in options:
        question, sign, scale = option.rpartition("=")
        if not sign or not question.strip() or not scale.strip():
            raise OnboardError(
                f"--scale {option!r} is not QUESTION=SCALE.",
                'Write it like --scale "How likely=0-10" (the start of the question\'s header, then its scale).',
            )
        scales[question.strip()] = scale.strip()
    return scales


def _store(app: App, store, slug: str, path: Path, evaluations) -> Path:
    """Store the responses and record the import in the client's history (so `undo` takes it back)."""
    from onboard.core.engine import record
    from onboard.delivery.datafiles import EVALS_FILE, load_evaluations, store_evaluations

    with store.transaction(slug) as tx:
        folder = store.folder(slug)
        before = load_evaluations(folder)
        change = store_evaluations(folder, evaluations)
        was = f" (replacing {len(before.responses)})" if before is not None else ""
        summary = f"evaluations from {path.name}: {len(evaluations.responses)} responses{was}"
        tx.commit(
            record(
                tx.state,
                action="import",
                summary=summary,
                now=app.now(),
                by=app.user(),
                records=change.as_event(),
            )
        )
    return folder / EVALS_FILE
