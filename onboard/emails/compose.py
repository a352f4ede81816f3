"""Find a client's email template and compose the email from it.

A workspace overrides a shipped template by putting a file of the same name
in its own ``templates/<playbook-id>/emails/``, so :class:`Emails` looks
there first, then in the shipped templates. Rendering takes two passes: the
first records every value the template would fail on, so one error lists
them all with how to set each; the second renders for real. Jinja is
imported only inside the methods that render, so listing and finding
templates stays cheap.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onboard.core.playbook import Playbook
from onboard.core.state import ClientState
from onboard.core.suggest import with_suggestion
from onboard.emails.attachments import Attachment, attached_names, find_attachments
from onboard.emails.context import email_context, value_paths
from onboard.emails.message import RenderedEmail, text_to_html, tidy
from onboard.emails.missing import MissingValuesError, all_missing_keys, how_to_set
from onboard.emails.recipients import Recipient, resolve_recipient, resolve_recipients
from onboard.emails.renderpass import RenderPass, rendering
from onboard.emails.template import EMAILS_DIR, TEXT_SUFFIX, TemplateSpec, is_template_name, read_spec
from onboard.errors import OnboardError
from onboard.storage.library import shipped_dir

if TYPE_CHECKING:
    from jinja2 import Template

    from onboard.emails.sandbox import Sandbox


def _figures(folder: Path | None) -> dict[str, Any]:
    """The figures the client's records give now (who took part, the eval score), for the templates.

    ``evaluation`` is the evaluations' summary with every figure on its scale
    (:meth:`onboard.delivery.evaluations.EvalSummary.as_context`).
    """
    if folder is None:
        return {}
    from onboard.delivery.facts import figures

    found = figures(folder)
    values = found.as_facts()
    if found.evaluation is not None:
        values["evaluation"] = found.evaluation.as_context()
    return values


class Emails:
    """The email templates a workspace sees: its own ``templates/`` first, then the shipped ones.

    ``settings`` are the workspace's ``[emails]`` settings (meeting lengths,
    the Eval Distribution List...), which templates read as ``settings``.
    """

    def __init__(
        self, workspace_templates: Path | None = None, settings: Mapping[str, Any] | None = None
    ) -> None:
        self.roots = tuple(d for d in (workspace_templates, shipped_dir()) if d is not None)
        self.settings: Mapping[str, Any] = settings or {}

    @property
    def env(self) -> Sandbox:
        """The sandbox for these folders (one per run: see :func:`onboard.emails.sandbox.environment`)."""
        from onboard.emails.sandbox import environment

        return environment(self.roots)

    def folders(self, playbook_id: str) -> list[Path]:
        """The playbook's email folders, the workspace's first."""
        return [root / playbook_id / EMAILS_DIR for root in self.roots]

    def names(self, playbook_id: str) -> list[str]:
        """Every template name available for the playbook."""
        found: set[str] = set()
        for folder in self.folders(playbook_id):
            if folder.is_dir():
                found.update(p.stem for p in folder.glob(f"*{TEXT_SUFFIX}") if is_template_name(p.stem))
        return sorted(found)

    def find(self, playbook_id: str, name: str) -> Path | None:
        """The file of template ``name`` (the workspace's if it has one), or None."""
        if len(name) > 100 or not is_template_name(name) or not is_template_name(playbook_id):
            return None
        for folder in self.folders(playbook_id):
            candidate = folder / f"{name}{TEXT_SUFFIX}"
            if candidate.is_file():
                return candidate
        return None

    def spec(self, playbook: Playbook, name: str) -> TemplateSpec:
        """The parsed template ``name``; an OnboardError listing the others when there is none."""
        path = self.find(playbook.id, name)
        if path is None:
            known = self.names(playbook.id)
            names = ", ".join(known) or "none"
            raise OnboardError(
                f"No email template {name!r} for playbook {playbook.id!r}.",
                with_suggestion(name, known, f"Available: {names}. See them with `onboard email CLIENT`."),
            )
        return read_spec(path)

    def names_used(self, playbook: Playbook, name: str) -> set[str]:
        """The top-level names template ``name`` uses: its fields and context names, and its recipients.

        The ``next`` walk asks a step's fields that its emails use before it
        shows them as drafts.
        """
        from jinja2 import meta
        from jinja2.exceptions import TemplateError

        spec = self.spec(playbook, name)
        sources = [spec.subject_source, spec.body_source]
        if spec.html_path:
            sources.append(spec.html_path.read_text(encoding="utf-8"))
        used = {*spec.to, *spec.cc, *spec.bcc}
        for source in sources:
            try:
                used |= meta.find_undeclared_variables(self.env.parse(source))
            except TemplateError:
                continue
        return used

    def attachments(
        self, spec: TemplateSpec, playbook: Playbook, state: ClientState, folder: Path | None
    ) -> tuple[Attachment, ...]:
        """What the template declares it attaches, each file found in the client's ``out/``."""
        from onboard.delivery.facts import OUT_DIR

        out = folder / OUT_DIR if folder is not None else None
        return find_attachments(spec.attach_kinds, spec.attach_documents, playbook, state, out)

    def missing(
        self,
        playbook: Playbook,
        state: ClientState,
        name: str,
        today: date,
        holidays: Collection[date] = (),
        folder: Path | None = None,
    ) -> list[str]:
        """The values the template needs that the client does not have (empty: ready)."""
        spec = self.spec(playbook, name)
        attached = attached_names(self.attachments(spec, playbook, state, folder))
        context = email_context(playbook, state, today, self.settings, attached, _figures(folder))
        _, paths = _render_pass(self._compiled(spec), context, spec, True, holidays)
        return all_missing_keys(paths, playbook, state)

    def render(
        self,
        playbook: Playbook,
        state: ClientState,
        name: str,
        today: date,
        holidays: Collection[date] = (),
        folder: Path | None = None,
    ) -> RenderedEmail:
        """Render one email, or raise an error listing every value it is missing.

        ``folder`` is the client's folder: the files the email attaches are
        in its ``out/``, and who attended is in its attendance. Without it,
        nothing is attached and ``attendees`` stay without an address.
        """
        spec = self.spec(playbook, name)
        templates = self._compiled(spec)
        attachments = self.attachments(spec, playbook, state, folder)
        context = email_context(
            playbook, state, today, self.settings, attached_names(attachments), _figures(folder)
        )
        _, paths = _render_pass(templates, context, spec, True, holidays)
        if paths:
            keys = all_missing_keys(paths, playbook, state)
            lines = "\n".join(f"  - {how_to_set(k, playbook, state, spec.path)}" for k in keys)
            raise MissingValuesError(
                f"Email {name!r} for {state.name} needs {len(keys)} value(s) that are not set:\n{lines}",
                f"Nothing was written. Set them, then run `onboard email {state.slug} {name}` again.",
                keys,
            )
        outputs, _ = _render_pass(templates, context, spec, False, holidays)
        subject = " ".join(outputs[0].split())
        text = tidy(outputs[1])
        html = outputs[2] if spec.html_path else text_to_html(text, subject)
        seen: set[str] = set()

        def resolve(refs: Sequence[str]) -> tuple[Recipient, ...]:
            result = []
            for ref in refs:
                for rec in resolve_recipients(ref, playbook, state, self.settings, folder):
                    key = (rec.address or rec.ref).casefold()
                    if key not in seen:
                        seen.add(key)
                        result.append(rec)
            return tuple(result)

        return RenderedEmail(
            name=name,
            subject=subject,
            text=text,
            html=html,
            source=spec.path,
            to=resolve(spec.to),
            cc=resolve(spec.cc),
            bcc=resolve(spec.bcc),
            sender=resolve_recipient(spec.sender, playbook, state) if spec.sender else None,
            attachments=attachments,
        )

    def _compiled(self, spec: TemplateSpec) -> list[Template]:
        """The subject, the body and (if any) the HTML body, compiled (cached by the environment)."""
        from jinja2.exceptions import TemplateSyntaxError

        names = [f"{spec.path}#subject", str(spec.path)]
        if spec.html_path:
            names.append(str(spec.html_path))
        try:
            return [self.env.get_template(n) for n in names]
        except TemplateSyntaxError as exc:
            raise OnboardError(
                f"{exc.filename or spec.path}:{exc.lineno}: {exc.message}.",
                "Fix the template (check it with `onboard check`).",
            ) from None


def _render_pass(
    templates: list[Template],
    context: dict[str, Any],
    spec: TemplateSpec,
    collect: bool,
    holidays: Collection[date] = (),
) -> tuple[list[str], list[str]]:
    """Render every part once; returns the outputs and (when ``collect``) the values found missing.

    Any failure of the template becomes an OnboardError naming its file.
    """
    from jinja2.exceptions import SecurityError, TemplateError, UndefinedError

    runtime_errors = (
        TemplateError,
        ArithmeticError,
        LookupError,
        TypeError,
        ValueError,
        AttributeError,
        RecursionError,
    )
    run = RenderPass(
        paths=value_paths(context), missing=[] if collect else None, holidays=frozenset(holidays)
    )
    try:
        with rendering(run):
            outputs = [t.render(context) for t in templates]
    except SecurityError as exc:
        raise OnboardError(
            f"{spec.path}: unsafe template, not rendered: {str(exc).rstrip('.')}.",
            "A template may use the client's fields, roles and dates; it cannot reach Python internals.",
        ) from None
    except UndefinedError as exc:
        raise OnboardError(f"{spec.path}: {exc}.", "Set it, or guard it with `is defined`.") from None
    except runtime_errors as exc:
        raise OnboardError(
            f"{spec.path}: the template failed: {exc}.",
            "Fix the template (check it with `onboard check`).",
        ) from None
    return outputs, run.missing or []
