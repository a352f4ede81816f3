"""Evaluation responses read from a spreadsheet, each question on its scale, and their summary.

Every question has a :class:`Scale`: 1–5, 0–10, 0–100, yes/no, or free text
(a comment column). It is read, in this order, from ``--scale`` (what the
coordinator says), from the question's header ("(1-5)", "0–10", "out of 5",
"yes/no"), or from its answers, in which case the import says so, since
answers alone cannot tell a 0–10 question that nobody rated above 5 from a
1–5 one. An answer outside its question's scale, or that is no score at all,
is reported by row and column; "N/A", "n/a", "-" and a blank are no answer
to that question, and never cost the person's other answers.

:func:`summarise` is the one summary, for the Eval workbook, ``onboard
eval``, the emails (:meth:`EvalSummary.as_context`) and the eval score of the
close-delivery step: an average per question, an average per scale, and an
overall figure only when the scored questions share one scale. Averages of
different scales are never mixed into one number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from onboard.delivery.cells import (
    LIKERT,
    CellError,
    Problem,
    cell_at,
    clean,
    column_letter,
    fold,
    is_blank,
    number_value,
    text_value,
)
from onboard.delivery.headers import header_field, header_text, normalise_header
from onboard.errors import OnboardError

MAX_SCORE = 100

# Evaluation columns that are about the response, not a question.
_EVAL_METADATA = {
    "id",
    "responseid",
    "respondentid",
    "timestamp",
    "starttime",
    "completiontime",
    "lastmodifiedtime",
    "submitted",
    "submittedat",
    "submissiondate",
    "date",
    "language",
    "totalpoints",
    "quizfeedback",
    "points",
    "ipaddress",
    "respondent",
    "source",
}
_COMMENT_WORDS = ("comment", "feedback", "suggest", "improve", "anythingelse", "freetext", "remarks")
NO_ANSWER = frozenset({"n/a", "na", "n.a.", "n. a.", "-", "–", "—", "not applicable", "#n/a"})
_YES = frozenset({"yes", "y", "true"})
_NO = frozenset({"no", "n", "false"})
FREE_TEXT = "text"  # the scale of a comment column, as --scale writes it

_RANGE_IN_HEADER = re.compile(r"(?<![\d.])([01])\s*(?:-|–|—|to)\s*(\d{1,3})(?![\d.])")
_OUT_OF = re.compile(r"(?:out\s+of|(?<!\w)/)\s*(\d{1,3})(?![\d.])", re.IGNORECASE)
_YES_NO_IN_HEADER = re.compile(r"\b(?:yes\s*/\s*no|y\s*/\s*n)\b", re.IGNORECASE)
_SCALE_TEXT = re.compile(r"^\s*(\d{1,3})\s*(?:-|–|—|to)\s*(\d{1,3})\s*$")


@dataclass(frozen=True)
class Scale:
    """The answers a question allows: whole scores from ``low`` to ``high``, or yes/no (stored as 1 and 0)."""

    low: int
    high: int
    yes_no: bool = False

    @property
    def label(self) -> str:
        """'1–5', '0–10' or 'yes/no', as people read it."""
        return "yes/no" if self.yes_no else f"{self.low}–{self.high}"

    @property
    def text(self) -> str:
        """'1-5' or 'yes/no', as stored and as --scale takes it."""
        return "yes/no" if self.yes_no else f"{self.low}-{self.high}"

    def describe(self, value: float) -> str:
        """A figure on this scale in words: '4.3 out of 5', or '80% yes'."""
        if self.yes_no:
            return f"{round(value * 100)}% yes"
        return f"{value:.1f} out of {self.high}"

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


YES_NO = Scale(0, 1, yes_no=True)


def parse_scale(text: str) -> Scale | None:
    """'1-5', '1–5', '0 to 10', 'yes/no' as a :class:`Scale`; None for 'text' (a free-text question).

    Raises :class:`OnboardError` for anything else.
    """
    words = clean(text).casefold()
    if words in ("text", "free text", "comment", "comments"):
        return None
    if words in ("yes/no", "yes-no", "yesno", "y/n"):
        return YES_NO
    match = _SCALE_TEXT.match(words)
    if match and int(match[1]) < int(match[2]) <= MAX_SCORE:
        return Scale(int(match[1]), int(match[2]))
    raise OnboardError(
        f"{text!r} is not a scale.",
        "Write it like 1-5, 0-10 or 0-100, or yes/no, or text for a free-text question.",
    )


def scale_in_header(header: str) -> Scale | None:
    """The scale a question's header states ('(1-5)', '0–10', 'out of 5', '/10', 'yes/no'); None if none."""
    if _YES_NO_IN_HEADER.search(header):
        return YES_NO
    match = _RANGE_IN_HEADER.search(header)
    if match and 3 <= int(match[2]) <= MAX_SCORE:
        return Scale(int(match[1]), int(match[2]))
    match = _OUT_OF.search(header)
    if match and 3 <= int(match[1]) <= MAX_SCORE:
        high = int(match[1])
        return Scale(0 if high >= 10 else 1, high)
    return None


def scale_of_scores(scores: Iterable[float]) -> Scale | None:
    """The smallest usual scale (1–5, 0–10, 0–100) that holds most of the answers; None without any.

    A stray answer (a 50 among 4s and 5s) then shows as off the scale,
    reported by cell, rather than turning the question into a 0–100 one.
    """
    values = sorted(scores)
    if not values:
        return None
    high = next((h for h in (5, 10) if sum(v <= h for v in values) * 2 > len(values)), MAX_SCORE)
    low = 0 if high == MAX_SCORE or values[0] < 1 else 1
    return Scale(low, high)


def is_no_answer(value: object) -> bool:
    """Blank, 'N/A', 'n/a', '-' and the like: the person did not answer this question."""
    if value is None:
        return True
    return isinstance(value, str) and (not value.strip() or clean(value).casefold() in NO_ANSWER)


@dataclass(slots=True)
class Response:
    row: int
    scores: dict[int, float]
    comments: dict[int, str] = field(default_factory=dict)


@dataclass
class Evaluations:
    """The responses: ``scores`` keyed by question number (from 1), on the scales in ``scales``.

    ``scales`` is parallel to ``questions``; evaluations stored before
    scales were kept have none, and :meth:`scale` then reads them from the
    answers.
    """

    questions: list[str]
    comment_columns: list[str]
    responses: list[Response]
    source: str = ""
    imported_at: datetime | None = None
    imported_by: str = ""
    scales: list[Scale] = field(default_factory=list)

    def scale(self, number: int) -> Scale:
        """The scale of question ``number`` (from 1)."""
        if number <= len(self.scales):
            return self.scales[number - 1]
        return scale_of_scores(r.scores[number] for r in self.responses if number in r.scores) or Scale(1, 5)


def scales_from_document(value: object, questions: int, path: str) -> list[Scale]:
    """The stored ``scales`` (a list of texts like '1-5', one per question); empty when not stored."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) != questions or not all(isinstance(v, str) for v in value):
        raise OnboardError(f"{path}: scales must be a list of {questions} texts like '1-5' or 'yes/no'.")
    scales = []
    for text in value:
        try:
            scale = parse_scale(text)
        except OnboardError:
            scale = None
        if scale is None:
            raise OnboardError(f"{path}: scales: {text!r} is not a scale like '1-5' or 'yes/no'.")
        scales.append(scale)
    return scales


@dataclass
class EvalImport:
    evaluations: Evaluations
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    blank_rows: int = 0
    scale_notes: list[str] = field(default_factory=list)  # each question's scale and where it was read


def _is_metadata(header: str) -> bool:
    field_ = header_field(header)
    return normalise_header(header) in _EVAL_METADATA or (field_ is not None and field_ != "notes")


def _is_comment(header: str) -> bool:
    key = normalise_header(header)
    return any(word in key for word in _COMMENT_WORDS)


def _yes_no(value: object) -> float | None:
    """1 for yes, 0 for no; raises CellError for anything else."""
    if isinstance(value, bool):
        return float(value)
    words = clean(str(value)).casefold() if isinstance(value, str) else ""
    if words in _YES:
        return 1
    if words in _NO:
        return 0
    raise CellError(f"{text_value(value, dates_ok=True)!r} is not yes or no")


def _score(value: object) -> float | int | None:
    return number_value(value, score=True)


def _answers_scale(values: Sequence[object]) -> tuple[str, Scale | None]:
    """What a column's answers make it: ('yes/no' | 'scores' | 'text', scale from the answers)."""
    answered = [v for v in values if not is_no_answer(v)]
    if answered and all(
        isinstance(v, bool) or (isinstance(v, str) and clean(v).casefold() in _YES | _NO) for v in answered
    ):
        return "yes/no", YES_NO
    scores = []
    for value in answered:
        try:
            number = _score(value)
        except CellError:
            continue
        if number is not None:
            scores.append(number)
    if answered and len(scores) * 2 < len(answered):
        return "text", None
    if any(isinstance(v, str) and clean(v).casefold() in LIKERT for v in answered):
        return "scores", Scale(1, 5)
    return "scores", scale_of_scores(scores)


def _overrides(
    given: Mapping[str, str], headers: Sequence[str], source: str
) -> dict[int, tuple[Scale | None, str]]:
    """``--scale`` entries by column: the start of a header (case and accents aside) and its scale."""
    found: dict[int, tuple[Scale | None, str]] = {}
    for wanted, text in given.items():
        key = fold(clean(wanted))
        matches = [i for i, h in enumerate(headers) if h and fold(h).startswith(key)]
        exact = [i for i in matches if fold(headers[i]) == key]
        if len(exact) == 1:
            matches = exact
        if len(matches) != 1:
            listed = ", ".join(repr(headers[i]) for i in matches) if matches else "none"
            raise OnboardError(
                f"--scale {wanted!r}={text}: {len(matches)} column(s) of {source} start that way ({listed}).",
                'Give enough of the question\'s header to name one column, like --scale "How likely=0-10".',
            )
        found[matches[0]] = (parse_scale(text), wanted)
    return found


def parse_evaluations(
    rows: Iterable[tuple[int, Sequence[object]]], source: str, scales: Mapping[str, str] | None = None
) -> EvalImport:
    """Read evaluation responses: a column per question on its scale, free-text columns as comments.

    ``scales`` (--scale) maps the start of a question's header to its scale
    ('0-10', 'yes/no', 'text'). Columns about the response itself
    (timestamp, email, name, id) are ignored. Every answer that is not on its
    question's scale is reported with its row and column; the person's other
    answers still count.
    """
    table = [(n, list(v)) for n, v in rows]
    start = next((i for i, (_, v) in enumerate(table) if not is_blank(v)), None)
    if start is None:
        raise OnboardError(f"{source}: no data.", "The file has no header row and no responses.")
    _header_row, header_values = table[start]
    headers = [header_text(v) for v in header_values]
    body = table[start + 1 :]
    width = max([len(headers), *(len(v) for _, v in body)])
    headers += [""] * (width - len(headers))
    overrides = _overrides(scales or {}, headers, source)
    questions: list[tuple[int, Scale]] = []
    comments: list[int] = []
    ignored: list[str] = []
    notes: list[str] = []
    for index, header in enumerate(headers):
        values = [v[index] for _, v in body if index < len(v) and not is_blank([v[index]])]
        label = header or f"column {column_letter(index + 1)}"
        if index in overrides:
            scale, _ = overrides[index]
            if scale is None:
                comments.append(index)
            else:
                questions.append((index, scale))
                notes.append(f"{label!r}: {scale.label}, as --scale says")
            continue
        if not header and not values:
            continue
        if _is_metadata(header):
            ignored.append(label)
            continue
        if values and all(isinstance(v, datetime | date | time) for v in values):
            ignored.append(label)
            continue
        stated = scale_in_header(header)
        if stated is not None:
            questions.append((index, stated))
            notes.append(f"{label!r}: {stated.label}, from its header")
            continue
        kind, found = _answers_scale(values)
        if kind == "text" or (not values and _is_comment(header)):
            comments.append(index)
        else:
            scale = found or Scale(1, 5)
            questions.append((index, scale))
            notes.append(
                f"{label!r}: {scale.label}, from its answers (if it is another, import again with "
                f'--scale "{_short(label)}={"0-10" if scale.high == 5 else "1-5"}")'
            )
    if not questions:
        raise OnboardError(
            f"{source}: no question with scores (columns: {', '.join(repr(h) for h in headers if h) or 'none'}).",
            "Give each question a column of scores (such as 1-5) or yes/no; comments may go in a 'Comments' column.",
        )
    evaluations = Evaluations(
        questions=[headers[i] or f"Question {n}" for n, (i, _) in enumerate(questions, 1)],
        comment_columns=[headers[i] or f"Comments {n}" for n, i in enumerate(comments, 1)],
        responses=[],
        source=source,
        scales=[scale for _, scale in questions],
    )
    result = EvalImport(evaluations, ignored=ignored, scale_notes=notes)
    for number, values in body:
        if is_blank(values):
            result.blank_rows += 1
            continue
        response = Response(number, {})
        for position, (index, scale) in enumerate(questions, 1):
            value = cell_at(values, index)
            if is_no_answer(value):
                continue
            try:
                score = _yes_no(value) if scale.yes_no else _score(value)
            except CellError as exc:
                reason = str(exc).replace("a number", f"a score on {scale.label}")
                result.problems.append(Problem(number, reason, index + 1, headers[index]))
                continue
            if score is None:
                continue
            if not scale.contains(score):
                result.problems.append(
                    Problem(
                        number,
                        f"{score} is not on the question's scale ({scale.label})",
                        index + 1,
                        headers[index],
                    )
                )
                continue
            response.scores[position] = score
        for position, index in enumerate(comments, 1):
            try:
                text = text_value(cell_at(values, index), dates_ok=True, multiline=True)
            except CellError as exc:
                result.problems.append(Problem(number, str(exc), index + 1, headers[index]))
                continue
            if text and not is_no_answer(text):
                response.comments[position] = text
        if response.scores or response.comments:
            evaluations.responses.append(response)
        elif not any(p.row == number for p in result.problems):
            result.blank_rows += 1
    return result


def _short(header: str) -> str:
    """The first words of a header, enough for --scale to name it."""
    words = header.replace('"', "").split()
    return " ".join(words[:3])


# ---------------------------------------------------------------- the summary


@dataclass(frozen=True)
class QuestionSummary:
    number: int
    question: str
    responses: int
    average: float | None
    lowest: float | None
    highest: float | None
    scale: Scale = field(default=Scale(1, 5))

    @property
    def text(self) -> str:
        """The average in words on the question's scale ('4.3 out of 5', '80% yes'); '' without answers."""
        return "" if self.average is None else self.scale.describe(self.average)


@dataclass(frozen=True)
class ScaleGroup:
    """The questions on one scale and their average, every answer weighing the same."""

    scale: Scale
    questions: tuple[int, ...]
    answers: int
    average: float | None

    @property
    def text(self) -> str:
        return "" if self.average is None else self.scale.describe(self.average)

    @property
    def sentence(self) -> str:
        """'4.3 out of 5 across the 3 questions scored 1–5', '80% yes to the yes/no question'."""
        many = len(self.questions) > 1
        if self.scale.yes_no:
            return f"{self.text} to the {'yes/no questions' if many else 'yes/no question'}"
        what = f"the {len(self.questions)} questions" if many else "the question"
        return f"{self.text} {'across' if many else 'on'} {what} scored {self.scale.label}"


@dataclass(frozen=True)
class EvalSummary:
    participants: int | None
    participants_from: str
    responses: int
    response_rate: float | None
    questions: tuple[QuestionSummary, ...]
    comments: tuple[tuple[str, str], ...]
    by_scale: tuple[ScaleGroup, ...] = ()

    @property
    def _scored(self) -> tuple[ScaleGroup, ...]:
        return tuple(g for g in self.by_scale if not g.scale.yes_no and g.average is not None)

    @property
    def overall(self) -> float | None:
        """The average of every score, only when all the scored questions share one scale; else None."""
        scored = self._scored
        return scored[0].average if len(scored) == 1 else None

    @property
    def overall_scale(self) -> Scale | None:
        scored = self._scored
        return scored[0].scale if len(scored) == 1 else None

    @property
    def overall_text(self) -> str:
        """'4.3 out of 5'; '' when the questions are on different scales (or none was answered)."""
        scored = self._scored
        return scored[0].text if len(scored) == 1 else ""

    @property
    def scales(self) -> tuple[Scale, ...]:
        """The scales of the questions, in the order they first appear."""
        return tuple(g.scale for g in self.by_scale)

    @property
    def results_text(self) -> str:
        """The results in one sentence for a person: each scale's average in its own words."""
        return "; ".join(g.sentence for g in self.by_scale if g.average is not None)

    def as_json(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "participants_from": self.participants_from,
            "responses": self.responses,
            "response_rate": self.response_rate,
            "overall": self.overall,
            "overall_scale": self.overall_scale.text if self.overall_scale else None,
            "overall_text": self.overall_text or None,
            "results": self.results_text,
            "by_scale": [
                {
                    "scale": g.scale.text,
                    "questions": list(g.questions),
                    "answers": g.answers,
                    "average": g.average,
                    "text": g.text,
                }
                for g in self.by_scale
            ],
            "questions": [
                {
                    "number": q.number,
                    "question": q.question,
                    "scale": q.scale.text,
                    "responses": q.responses,
                    "average": q.average,
                    "text": q.text or None,
                    "lowest": q.lowest,
                    "highest": q.highest,
                }
                for q in self.questions
            ],
            "comments": [{"column": c, "text": t} for c, t in self.comments],
        }

    def as_context(self) -> dict[str, Any]:
        """What an email template reads as ``evaluation``: every figure with its scale, in words.

        ``results`` is the sentence to quote; ``overall`` ('4.3 out of 5') is
        there only when the questions share one scale.
        """
        context: dict[str, Any] = {
            "responses": self.responses,
            "results": self.results_text,
            "by_scale": [
                {"scale": g.scale.label, "text": g.text, "questions": len(g.questions)} for g in self.by_scale
            ],
            "questions": [
                {"number": q.number, "question": q.question, "scale": q.scale.label, "text": q.text}
                for q in self.questions
            ],
        }
        if self.participants is not None:
            context["participants"] = self.participants
        if self.response_rate is not None:
            context["response_rate"] = f"{self.response_rate:.0%}"
        if self.overall_text:
            context["overall"] = self.overall_text
        return context


def _average(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def summarise(evaluations: Evaluations, participants: int | None, participants_from: str = "") -> EvalSummary:
    """Responses, response rate, the average per question and per scale, and the comments.

    A pure function of the stored responses and the participant count,
    called wherever the results are shown or sent. A scale's average weighs
    every answer on it equally (a question fewer people answered counts for
    less); averages are rounded to 2 places and shown to 1.
    """
    per_question: list[QuestionSummary] = []
    groups: dict[Scale, tuple[list[int], list[float]]] = {}
    for number, question in enumerate(evaluations.questions, 1):
        scale = evaluations.scale(number)
        scores = [r.scores[number] for r in evaluations.responses if number in r.scores]
        numbers, every = groups.setdefault(scale, ([], []))
        numbers.append(number)
        every.extend(scores)
        per_question.append(
            QuestionSummary(
                number,
                question,
                len(scores),
                _average(scores),
                min(scores) if scores else None,
                max(scores) if scores else None,
                scale,
            )
        )
    responses = len(evaluations.responses)
    rate = round(responses / participants, 4) if participants else None
    comments = tuple(
        (evaluations.comment_columns[position - 1], text)
        for response in evaluations.responses
        for position, text in sorted(response.comments.items())
    )
    return EvalSummary(
        participants=participants,
        participants_from=participants_from,
        responses=responses,
        response_rate=rate,
        questions=tuple(per_question),
        comments=comments,
        by_scale=tuple(
            ScaleGroup(scale, tuple(numbers), len(every), _average(every))
            for scale, (numbers, every) in groups.items()
        ),
    )
