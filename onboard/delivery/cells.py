"""What a spreadsheet cell means as our data, and the report of a row that cannot be used.

The roster, attendance and evaluation importers all read cells the same
way, whatever the file was (an xlsx sheet, a CSV, a meeting report), so the
rules live here once and the importers cannot drift apart:

* text is tidied (spaces, NULs), and a date where text or a number belongs
  is an error rather than a silent surprise (Excel's favourite);
* yes/no and scores accept the words people type ('x', '✓', 'present',
  '5 - Excellent', 'Strongly agree');
* text that a spreadsheet would take for a formula (``= + - @``) stays
  text: it is stored as it came and :func:`is_formula_like` tells the writer
  to force it to a text cell;
* a workbook's formula cell is read as the value the spreadsheet
  application saved with it; one with no value saved (a file written by a
  library that computes nothing) or an error value (``#NAME?``) reaches the
  importers as a :class:`FormulaCell`, which every reader here refuses with
  the reason, so it is reported by row and column and contributes nothing.

A value that cannot be used raises :class:`CellError`; the importer turns it
into a :class:`Problem` naming the row and column, so that every unusable
row of a file is reported at once.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from onboard.errors import OnboardError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMBER = re.compile(r"^[+-]?(\d{1,15}([.,]\d{1,15})?|[.,]\d{1,15})$")
_LEADING_NUMBER = re.compile(r"^(\d{1,3}(?:[.,]\d{1,3})?)(?:\s*(?:[-–:/).]|$)|\s+\D)")
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")

YES_WORDS = {"yes", "y", "true", "x", "✓", "✔", "1", "present", "p", "attended", "registered", "done"}
NO_WORDS = {"no", "n", "false", "0", "absent", "a", "not registered", "no show", "noshow", "did not attend"}
LIKERT = {
    "strongly disagree": 1,
    "disagree": 2,
    "somewhat disagree": 2,
    "neutral": 3,
    "neither agree nor disagree": 3,
    "somewhat agree": 4,
    "agree": 4,
    "strongly agree": 5,
    "very dissatisfied": 1,
    "dissatisfied": 2,
    "satisfied": 4,
    "very satisfied": 5,
}


NUMBER_WORDS = {
    word: number
    for number, word in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    )
}


class CellError(ValueError):
    """A cell's value cannot be used; ``str()`` is the reason."""


@dataclass(frozen=True)
class FormulaCell:
    """A workbook's formula cell without a usable value: none saved, or an error value like ``#NAME?``.

    The workbook reader puts it where the value would be, so the formula's
    text never becomes a name or an email and the cell is reported where it is.
    """

    error: str = ""

    @property
    def reason(self) -> str:
        if self.error:
            return (
                f"a formula whose saved value is an error ({self.error}); "
                "correct it in a spreadsheet application, or type the value"
            )
        return (
            "a formula with no value saved; open and save the file in a spreadsheet application, "
            "or type the value"
        )


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def column_letter(index: int) -> str:
    """``1`` -> ``A``, ``28`` -> ``AB``."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def fold(text: str) -> str:
    """Text without accents or case, for comparing headers and names as people read them."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _describe(value: object) -> str:
    if isinstance(value, datetime):
        return f"a date ({value:%Y-%m-%d})" if value.time() == time() else f"a date ({value:%Y-%m-%d %H:%M})"
    if isinstance(value, date):
        return f"a date ({value:%Y-%m-%d})"
    if isinstance(value, time):
        return f"a time ({value:%H:%M})"
    if isinstance(value, timedelta):
        return "a duration"
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def clean(text: str, multiline: bool = False) -> str:
    """Text without NULs and stray spaces (inner runs of space too, unless ``multiline``)."""
    text = text.replace("\x00", "")
    if multiline:
        return text.strip()
    return " ".join(text.split())


def text_value(value: object, *, dates_ok: bool = False, multiline: bool = False) -> str:
    """A cell as text; a date where text belongs is an error unless ``dates_ok``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean(value, multiline)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date | time):
        if not dates_ok:
            raise CellError(f"{_describe(value)}, not text")
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(f"{value!r} is not text")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, timedelta):
        raise CellError("a duration, not text")
    if isinstance(value, FormulaCell):
        raise CellError(value.reason)
    return clean(str(value), multiline)


def email_value(value: object) -> str:
    """A cell as an email address; blank is an error."""
    text = text_value(value)
    if text.lower().startswith("mailto:"):
        text = text[7:].strip()
    inner = re.search(r"<([^<>\s]+@[^<>\s]+)>", text)
    if inner:
        text = inner.group(1)
    if not text:
        raise CellError("no email")
    if not _EMAIL.match(text):
        raise CellError(f"{_describe(text)} is not an email address")
    return text


def yes_no_value(value: object) -> bool | None:
    """Yes/No (and x, ✓, present/absent, TRUE/FALSE, 1/0); blank is None."""
    if value is None:
        return None
    if type(value) is str:
        return _yes_no_text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if isinstance(value, datetime | date | time | timedelta):
        raise CellError(f"{_describe(value)}, not yes or no")
    if isinstance(value, FormulaCell):
        raise CellError(value.reason)
    return _yes_no_text(str(value))


@functools.lru_cache(maxsize=256)
def _yes_no_text(value: str) -> bool | None:
    """A sheet says Yes or No in a few ways, 50,000 times over: each way is read once."""
    text = clean(value).casefold()
    if not text:
        return None
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    raise CellError(f"{_describe(value)} is not yes or no")


def number_value(value: object, *, score: bool = False) -> float | int | None:
    """A cell as a number; blank is None. A date is an error (Excel's favourite surprise).

    With ``score``, "5 - Excellent", agree/disagree words and the words for
    zero to ten ("five") are read as scores too.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(f"{'TRUE' if value else 'FALSE'}, not a number")
    if isinstance(value, datetime | date | time | timedelta):
        raise CellError(f"{_describe(value)}, not a number")
    if isinstance(value, FormulaCell):
        raise CellError(value.reason)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(f"{value!r} is not a number")
        return int(value) if value.is_integer() else value
    text = clean(str(value))
    if not text:
        return None
    if _NUMBER.match(text):
        number = float(text.replace(",", "."))
        return int(number) if number.is_integer() else number
    if _DATE_LIKE.match(text):
        raise CellError(f"a date ({text}), not a number")
    if score:
        lead = _LEADING_NUMBER.match(text)
        if lead:
            number = float(lead.group(1).replace(",", "."))
            return int(number) if number.is_integer() else number
        words = text.casefold()
        if words in LIKERT:
            return LIKERT[words]
        if words in NUMBER_WORDS:
            return NUMBER_WORDS[words]
    raise CellError(f"{_describe(text)} is not a number")


def is_blank(values: Sequence[object]) -> bool:
    for value in values:  # a loop, not all(): a row's first cell usually settles it
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return False
    return True


def cell_at(values: Sequence[object], index: int | None) -> object:
    """The cell in column ``index`` (0-based) of a row; None for a column the file lacks or a short row."""
    if index is None or index >= len(values):
        return None
    return values[index]


@dataclass(frozen=True)
class Problem:
    """A row that cannot be used, and why; ``column`` is 1-based."""

    row: int
    reason: str
    column: int | None = None
    header: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.column:
            where += f", column {column_letter(self.column)}"
            if self.header:
                where += f" ({self.header})"
        return f"{where}: {self.reason}"


def problems_error(source: str, problems: Sequence[Problem], usable: int, what: str) -> OnboardError:
    """The error after the unusable rows were listed: nothing is stored."""
    return OnboardError(
        f"{source}: {len(problems)} row(s) cannot be used (listed above); nothing was stored.",
        f"Fix them and import again, or pass --skip-invalid to import the other {usable} {what}.",
    )
