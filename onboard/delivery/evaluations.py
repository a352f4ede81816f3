"""Evaluation responses read from a spreadsheet, and their summary.

A column is a question when most of its answers are scores, a comment
column when they are text; the responses are summarised the same way every
time (per question and overall, with the response rate), for the summary
sheet, for ``onboard evals`` and for the eval score of the close-delivery
step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from onboard.delivery.cells import (
    CellError,
    Problem,
    cell_at,
    clean,
    column_letter,
    is_blank,
    number_value,
    text_value,
)
from onboard.delivery.headers import header_field, normalise_header
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


@dataclass(slots=True)
class Response:
    row: int
    scores: dict[int, float]
    comments: dict[int, str] = field(default_factory=dict)


@dataclass
class Evaluations:
    questions: list[str]
    comment_columns: list[str]
    responses: list[Response]
    source: str = ""
    imported_at: datetime | None = None
    imported_by: str = ""


@dataclass
class EvalImport:
    evaluations: Evaluations
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    blank_rows: int = 0


def _is_metadata(header: str) -> bool:
    field_ = header_field(header)
    return normalise_header(header) in _EVAL_METADATA or (field_ is not None and field_ != "notes")


def _is_comment(header: str) -> bool:
    key = normalise_header(header)
    return any(word in key for word in _COMMENT_WORDS)


def parse_evaluations(rows: Iterable[tuple[int, Sequence[object]]], source: str) -> EvalImport:
    """Read evaluation responses: a numeric score per question column, text columns as comments.

    A column is a question when most of its answers are scores (numbers,
    '5 - Excellent', agree/disagree words); a score column's other answers are
    reported with their row and column. Columns about the response itself
    (timestamp, email, name, id) are ignored.
    """
    table = [(n, list(v)) for n, v in rows]
    start = next((i for i, (_, v) in enumerate(table) if not is_blank(v)), None)
    if start is None:
        raise OnboardError(f"{source}: no data.", "The file has no header row and no responses.")
    _header_row, header_values = table[start]
    headers = ["" if v is None else clean(str(v)) for v in header_values]
    body = table[start + 1 :]
    width = max([len(headers), *(len(v) for _, v in body)])
    headers += [""] * (width - len(headers))
    questions: list[int] = []
    comments: list[int] = []
    ignored: list[str] = []
    for index, header in enumerate(headers):
        values = [v[index] for _, v in body if index < len(v) and not is_blank([v[index]])]
        if not header and not values:
            continue
        label = header or f"column {column_letter(index + 1)}"
        if _is_metadata(header):
            ignored.append(label)
            continue
        if values and all(isinstance(v, datetime | date | time) for v in values):
            ignored.append(label)
            continue
        scores = 0
        for value in values:
            try:
                number_value(value, score=True)
                scores += 1
            except CellError:
                pass
        if (values and scores * 2 < len(values)) or (not values and _is_comment(header)):
            comments.append(index)
        else:
            questions.append(index)
    if not questions:
        raise OnboardError(
            f"{source}: no question with numeric scores (columns: {', '.join(repr(h) for h in headers if h) or 'none'}).",
            "Give each question a column of scores (such as 1-5); comments may go in a 'Comments' column.",
        )
    evaluations = Evaluations(
        questions=[headers[i] or f"Question {n}" for n, i in enumerate(questions, 1)],
        comment_columns=[headers[i] or f"Comments {n}" for n, i in enumerate(comments, 1)],
        responses=[],
        source=source,
    )
    result = EvalImport(evaluations, ignored=ignored)
    for number, values in body:
        if is_blank(values):
            result.blank_rows += 1
            continue
        response = Response(number, {})
        ok = True
        for position, index in enumerate(questions, 1):
            try:
                score = number_value(cell_at(values, index), score=True)
            except CellError as exc:
                result.problems.append(
                    Problem(number, str(exc).replace("a number", "a score"), index + 1, headers[index])
                )
                ok = False
                continue
            if score is None:
                continue
            if not 0 <= score <= MAX_SCORE:
                result.problems.append(
                    Problem(
                        number, f"{score} is not a score from 0 to {MAX_SCORE}", index + 1, headers[index]
                    )
                )
                ok = False
                continue
            response.scores[position] = score
        for position, index in enumerate(comments, 1):
            text = text_value(cell_at(values, index), dates_ok=True, multiline=True)
            if text:
                response.comments[position] = text
        if ok and (response.scores or response.comments):
            evaluations.responses.append(response)
        elif ok:
            result.blank_rows += 1
    return result


@dataclass(frozen=True)
class QuestionSummary:
    number: int
    question: str
    responses: int
    average: float | None
    lowest: float | None
    highest: float | None


@dataclass(frozen=True)
class EvalSummary:
    participants: int | None
    participants_from: str
    responses: int
    response_rate: float | None
    questions: tuple[QuestionSummary, ...]
    overall: float | None
    comments: tuple[tuple[str, str], ...]

    @property
    def scales(self) -> tuple[int, ...]:
        """The scales the questions seem to use (5, 10 or 100, from their highest score)."""
        found = {
            next(s for s in (5, 10, MAX_SCORE) if q.highest <= s)
            for q in self.questions
            if q.highest is not None
        }
        return tuple(sorted(found))

    def as_json(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "participants_from": self.participants_from,
            "responses": self.responses,
            "response_rate": self.response_rate,
            "overall": self.overall,
            "scales": list(self.scales),
            "questions": [
                {
                    "number": q.number,
                    "question": q.question,
                    "responses": q.responses,
                    "average": q.average,
                    "lowest": q.lowest,
                    "highest": q.highest,
                }
                for q in self.questions
            ],
            "comments": [{"column": c, "text": t} for c, t in self.comments],
        }


def summarise(evaluations: Evaluations, participants: int | None, participants_from: str = "") -> EvalSummary:
    """Responses, response rate, the average per question and overall, and the comments.

    The overall average weighs every score given equally (a question that
    fewer people answered counts for less); averages are rounded to 2 places.
    """
    per_question: list[QuestionSummary] = []
    every: list[float] = []
    for number, question in enumerate(evaluations.questions, 1):
        scores = [r.scores[number] for r in evaluations.responses if number in r.scores]
        every.extend(scores)
        per_question.append(
            QuestionSummary(
                number,
                question,
                len(scores),
                round(sum(scores) / len(scores), 2) if scores else None,
                min(scores) if scores else None,
                max(scores) if scores else None,
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
        overall=round(sum(every) / len(every), 2) if every else None,
        comments=comments,
    )
