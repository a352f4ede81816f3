"""Template validation for ``onboard check``: find every problem without rendering anything.

A broken template is otherwise found only when a step is done and its email
fails; here each template of a playbook is parsed, compiled and walked for
names that are not a field, role or known name of the playbook, header
recipients that can never resolve, step emails with no template, and an
email that speaks of attaching ("attached", "attachment") without declaring
an attachment in its header, or names a file it does not declare.

Imports Jinja (its parser and AST): only ``onboard check`` imports this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.meta import find_undeclared_variables

from onboard.core.playbook import ROLE_ATTRIBUTES, Playbook
from onboard.emails.attachments import context_key, kind_problem, mentions_attaching
from onboard.emails.compose import Emails
from onboard.emails.context import CONTEXT_NAMES
from onboard.emails.recipients import recipient_problem
from onboard.emails.template import HTML_SUFFIX, TEXT_SUFFIX, is_template_name, read_spec, standalone_tags
from onboard.errors import OnboardError
from onboard.storage.workspace import EMAIL_SETTINGS


def template_problems(playbook: Playbook, workspace_templates: Path | None = None) -> list[str]:
    """For `onboard check`: every problem of every email template of ``playbook``."""
    return playbook_problems(Emails(workspace_templates), playbook)


def playbook_problems(emails: Emails, playbook: Playbook) -> list[str]:
    """Every problem of every template of the playbook, in the workspace and shipped.

    A shipped template that a workspace file replaces is not checked: it
    is never used, and the workspace may have changed the playbook too.
    """
    problems: list[str] = []
    used: set[str] = set()
    for folder in emails.folders(playbook.id):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{TEXT_SUFFIX}")):
            if path.stem not in used:
                used.add(path.stem)
                problems.extend(file_problems(emails.env, playbook, path))
        for path in sorted(folder.glob(f"*{HTML_SUFFIX}")):
            if not path.with_suffix(TEXT_SUFFIX).is_file():
                problems.append(f"{path}: no {path.stem}{TEXT_SUFFIX} beside it (it holds the subject).")
    named = {email: step.id for step in playbook.steps for email in step.emails}
    if not any(folder.is_dir() for folder in emails.folders(playbook.id)):
        named = {}  # no emails/ folder yet: the playbook's emails are still to be written
    for email, step_id in named.items():
        if emails.find(playbook.id, email) is None:
            problems.append(
                f"playbook {playbook.id}: step {step_id!r} sends email {email!r}, "
                f"which has no template ({email}{TEXT_SUFFIX})."
            )
    return problems


def file_problems(env: Environment, playbook: Playbook, path: Path) -> list[str]:
    """The problems of one template file: its name, its header, its recipients and its sources."""
    if not is_template_name(path.stem):
        return [f"{path}: template names are lower-case-with-dashes."]
    try:
        spec = read_spec(path)
    except OnboardError as exc:
        return [exc.message]
    problems: list[str] = []
    recipients = {
        "to": spec.to,
        "cc": spec.cc,
        "bcc": spec.bcc,
        "from": (spec.sender,) if spec.sender else (),
    }
    for key, refs in recipients.items():
        for ref in refs:
            problem = recipient_problem(ref, playbook)
            if problem:
                problems.append(f"{path}:{spec.header_lines.get(key, 1)}: {key.capitalize()} {problem}")
    line = spec.header_lines.get("attach", 1)
    for kind in spec.attach_kinds:
        problem = kind_problem(kind)
        if problem:
            problems.append(f"{path}:{line}: Attach {problem}.")
    sources = [(spec.subject_source, path), (spec.body_source, path)]
    if spec.html_path:
        sources.append((standalone_tags(spec.html_path.read_text(encoding="utf-8")), spec.html_path))
    declared = {context_key(kind) for kind in spec.attach_kinds}
    for source, where in sources:
        problems.extend(source_problems(env, source, where, playbook, declared))
        if not (spec.attach_kinds or spec.attach_documents) and mentions_attaching(source):
            number = next(i for i, text in enumerate(source.split("\n"), 1) if mentions_attaching(text))
            problems.append(
                f"{where}:{number}: speaks of attaching but declares no attachment; add "
                '"Attach: KIND" (a file onboard makes) or Attach: "the document" to the header, '
                "or say it another way."
            )
    return problems


def source_problems(
    env: Environment, source: str, path: Path, playbook: Playbook, declared: set[str] | None = None
) -> list[str]:
    """Syntax errors, and names that are not a field, role, setting, declared file or known name."""
    try:
        env.compile(source, path.name, str(path))
        tree = env.parse(source, path.name, str(path))
    except TemplateSyntaxError as exc:
        return [f"{path}:{exc.lineno}: syntax error: {exc.message}."]
    problems: list[str] = []
    known = set(playbook.fields) | set(CONTEXT_NAMES) | set(env.globals)
    first_line: dict[str, int] = {}
    for name_node in tree.find_all(nodes.Name):
        first_line.setdefault(name_node.name, name_node.lineno)
    for name in sorted(find_undeclared_variables(tree) - known, key=lambda n: first_line.get(n, 0)):
        problems.append(
            f"{path}:{first_line.get(name, 1)}: uses {name!r}, which is not a field, role or known "
            f"name of {playbook.id}."
        )
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        key = _key_of(node)
        if key is None or not isinstance(node, nodes.Getattr | nodes.Getitem):
            continue
        line = node.lineno
        if key.startswith("_"):
            problems.append(f"{path}:{line}: reaches for {key!r}, a Python internal; templates may not.")
            continue
        base = node.node
        if isinstance(base, nodes.Name) and base.ctx == "load":
            if base.name in ("roles", "role_names") and key not in playbook.roles:
                problems.append(f"{path}:{line}: {base.name}.{key}: {playbook.id} has no role {key!r}.")
            elif base.name == "names" and key not in playbook.naming:
                problems.append(
                    f"{path}:{line}: names.{key}: {playbook.id} has no naming convention {key!r}."
                )
            elif base.name == "settings" and key not in EMAIL_SETTINGS:
                problems.append(
                    f"{path}:{line}: settings.{key} is not an [emails] setting ({', '.join(EMAIL_SETTINGS)})."
                )
            elif base.name == "attached" and key not in (declared or set()):
                problems.append(
                    f"{path}:{line}: attached.{key}: the header's Attach: does not declare that file."
                )
        elif (
            isinstance(base, nodes.Getattr | nodes.Getitem)
            and isinstance(base.node, nodes.Name)
            and base.node.name == "roles"
            and key not in ROLE_ATTRIBUTES
        ):
            problems.append(
                f"{path}:{line}: roles.{_key_of(base)}.{key}: a role holder has only "
                f"{', '.join(ROLE_ATTRIBUTES)}."
            )
    return problems


def _key_of(node: Any) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if (
        isinstance(node, nodes.Getitem)
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
    ):
        return node.arg.value
    return None
