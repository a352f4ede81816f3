"""Asking the coordinator: one small interface, three implementations.

Commands never call questionary directly. They talk to a :class:`Prompter`:
:class:`QuestionaryPrompter` for a real terminal, :class:`ScriptedPrompter`
for tests (a list of answers, re-asked on invalid ones just as a person is),
and :class:`NoInputPrompter` for scripts, which refuses to ask and says which
flag gives the answer instead.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from onboard.errors import OnboardError

Validator = Callable[[str], str | None]
"""Returns None when the text is acceptable, else the message to show."""


class Prompter(Protocol):
    interactive: bool

    def select(self, message: str, choices: Sequence[tuple[str, str]], default: str | None = None) -> str:
        """Pick one of ``(value, label)`` pairs; returns the value."""
        ...

    def text(self, message: str, default: str = "", validate: Validator | None = None) -> str: ...

    def confirm(self, message: str, default: bool = False) -> bool: ...


class NoInputPrompter:
    """Used with ``--no-input`` or without a terminal: every question is an error."""

    interactive = False

    def _refuse(self, message: str) -> OnboardError:
        return OnboardError(
            f"An answer is needed for: {message}",
            "Pass it with --set NAME=VALUE or --answers FILE.toml (prompts are off).",
        )

    def select(self, message: str, choices: Sequence[tuple[str, str]], default: str | None = None) -> str:
        raise self._refuse(message)

    def text(self, message: str, default: str = "", validate: Validator | None = None) -> str:
        raise self._refuse(message)

    def confirm(self, message: str, default: bool = False) -> bool:
        raise self._refuse(message)


class QuestionaryPrompter:
    """Keyboard-driven prompts in a real terminal. Ctrl-C raises KeyboardInterrupt.

    ``session`` is passed to each prompt_toolkit session (``input``,
    ``output``): tests drive the real prompts through a pipe with it.
    """

    interactive = True

    def __init__(self, **session: Any) -> None:
        self.session = session

    def select(self, message: str, choices: Sequence[tuple[str, str]], default: str | None = None) -> str:
        import questionary

        options = [questionary.Choice(title=label, value=value) for value, label in choices]
        answer = questionary.select(message, choices=options, default=default, **self.session).unsafe_ask()
        if answer is None:
            raise KeyboardInterrupt
        return str(answer)

    def text(self, message: str, default: str = "", validate: Validator | None = None) -> str:
        """Ask until ``validate`` accepts; a rejected answer is said, then asked again from empty.

        Validating inside the prompt would keep the rejected text in the line,
        and new typing would be added to it (``31/02/20272027-03-01``).
        """
        import questionary

        while True:
            answer = questionary.text(message, default=default, **self.session).unsafe_ask()
            if answer is None:
                raise KeyboardInterrupt
            problem = validate(str(answer)) if validate else None
            if problem is None:
                return str(answer)
            print(f"✗ {problem}", file=sys.stderr, flush=True)
            default = ""

    def confirm(self, message: str, default: bool = False) -> bool:
        import questionary

        answer = questionary.confirm(message, default=default, **self.session).unsafe_ask()
        if answer is None:
            raise KeyboardInterrupt
        return bool(answer)


class Interrupt:
    """Put in a :class:`ScriptedPrompter` script to simulate Ctrl-C at that question."""


class ScriptedPrompter:
    """Answers questions from a script, for tests of the interactive path.

    Each answer is consumed by one question. A text answer that the
    validator rejects is recorded in :attr:`errors` and the question is
    asked again with the next answer, as it would be for a person. An
    :class:`Interrupt` in the script raises KeyboardInterrupt; running out of
    answers raises EOFError (end of input). None takes the question's default
    (Enter), and :attr:`offered` keeps each pick list as it was shown.
    """

    interactive = True

    def __init__(self, answers: Sequence[object]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []
        self.errors: list[str] = []
        self.offered: list[tuple[str, list[tuple[str, str]], str | None]] = []
        """Each select: its message, its ``(value, label)`` choices and the one pre-selected."""

    def _next(self, message: str) -> object:
        self.asked.append(message)
        if not self.answers:
            raise EOFError(message)
        answer = self.answers.pop(0)
        if isinstance(answer, Interrupt) or answer is Interrupt:
            raise KeyboardInterrupt
        return answer

    def select(self, message: str, choices: Sequence[tuple[str, str]], default: str | None = None) -> str:
        self.offered.append((message, list(choices), default))
        answer = self._next(message)
        values = [value for value, _ in choices]
        if answer is None and default in values:
            return str(default)
        if answer not in values:
            raise AssertionError(f"scripted answer {answer!r} is not one of {values} for {message!r}")
        return str(answer)

    def text(self, message: str, default: str = "", validate: Validator | None = None) -> str:
        while True:
            answer = self._next(message)
            text = default if answer is None else str(answer)
            problem = validate(text) if validate else None
            if problem is None:
                return text
            self.errors.append(problem)

    def confirm(self, message: str, default: bool = False) -> bool:
        answer = self._next(message)
        return default if answer is None else bool(answer)
