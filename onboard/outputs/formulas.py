"""Which formula cells of a workbook have no usable saved value, found in the raw XML as it is scanned.

onboard reads a workbook's cells as the values the spreadsheet application
saved with them (openpyxl's ``data_only``), so a formula's text never
becomes a name or an email. openpyxl then gives ``None`` for a formula
whose value was never saved (a file written by a library that computes
nothing, openpyxl among them), which would read as a blank cell; and the
error text (``#NAME?``) for a formula that failed. Telling those apart
would take a second parse of every sheet with the formulas kept, which
doubles the time of a large import; instead :class:`FormulaScan` looks at
the bytes that :func:`onboard.outputs.excel.check_xlsx` reads anyway. Only
where a formula element starts (rare, and found by one regular expression
in C) does it look at the cell around it: its reference and type in the
start tag, which comes right before the formula in SpreadsheetML, and the
value element right after it. :func:`sheet_parts` says which part is which
sheet, from the workbook's own small parts, parsed as openpyxl parses them.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from onboard.delivery.cells import FormulaCell

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"  # an element name's optional namespace prefix
_FORMULA_TAG = re.compile(rb"<" + _NAME + rb"f[\s>/]")
_CELL_START = re.compile(rb"<" + _NAME + rb"c(\s[^<>]*)?>\s*\Z")
_CELL_REST = re.compile(
    rb"<" + _NAME + rb"f\b[^<>]*?(?:/>|>[^<]*</" + _NAME + rb"f\s*>)\s*"
    rb"(?:(<" + _NAME + rb"v\s*/>)|<" + _NAME + rb"v(?:\s[^<>]*)?>([^<]*)</" + _NAME + rb"v\s*>"
    rb"|</" + _NAME + rb"c\s*>|<" + _NAME + rb"(?:is|extLst)\b)"
)
_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{1,3})([0-9]{1,7})["']""")
_TYPE = re.compile(rb"""\st\s*=\s*["']([A-Za-z]+)["']""")
_BACK = 1024  # how far before a formula its cell's start tag may be
_MAX_PENDING = 1 << 22  # a cell longer than this is not placed


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


@dataclass
class FormulaScan:
    """The formula cells of one XML part with no usable value, fed the part's bytes in order.

    ``cells`` maps (row, column), both 1-based, to the :class:`FormulaCell`
    that stands for it; ``unplaced`` counts such cells whose place the file
    does not say (no ``r`` attribute), which the reader refuses as a whole.
    """

    cells: dict[tuple[int, int], FormulaCell] = field(default_factory=dict)
    unplaced: int = 0
    _pending: bytes = b""
    _offset: int = 0  # where _pending starts in the part
    _done: int = -1  # the part position of the last formula looked at

    def feed(self, chunk: bytes, final: bool = False) -> None:
        data = self._pending + chunk
        keep = max(0, len(data) - _BACK)
        for hit in _FORMULA_TAG.finditer(data):
            position = hit.start()
            if self._offset + position <= self._done:
                continue
            start = _CELL_START.search(data, max(0, position - _BACK), position)
            if start is None:  # a formula outside a cell (a data validation's, in extLst)
                self._done = self._offset + position
                continue
            rest = _CELL_REST.match(data, position)
            if rest is None and not final and len(data) - start.start() < _MAX_PENDING:
                keep = min(keep, start.start())  # the cell goes on in the next chunk
                break
            self._done = self._offset + position
            self._record(start.group(1) or b"", rest)
        if final:
            self._pending = b""
            return
        self._pending = data[keep:]
        self._offset += keep

    def _record(self, attributes: bytes, rest: re.Match[bytes] | None) -> None:
        kind = _TYPE.search(attributes)
        data_type = kind.group(1) if kind else b"n"
        if rest is None:
            marker: FormulaCell | None = FormulaCell()
        elif data_type == b"e":
            marker = FormulaCell((rest.group(2) or b"").decode("utf-8", "replace").strip() or "#VALUE!")
        elif rest.group(2):
            marker = None  # a value was saved
        elif data_type == b"str" and rest.group(1) is None and rest.group(2) is not None:
            marker = None  # <v></v> on a text result: the formula gave an empty text
        else:
            marker = FormulaCell()
        if marker is None:
            return
        ref = _REF.search(attributes)
        if ref is None:
            self.unplaced += 1
            return
        self.cells[(int(ref.group(2)), _column_number(ref.group(1)))] = marker


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's name and the part that holds it, from the workbook part and its relationships.

    Empty when the workbook does not say (openpyxl then refuses the file anyway).
    """
    package = _read(archive, "_rels/.rels")
    workbook = "xl/workbook.xml"
    for rel in _children(package, "Relationship"):
        if rel.get("Type", "").endswith("/officeDocument") and rel.get("Target"):
            workbook = posixpath.normpath(rel.get("Target", "").lstrip("/"))
    folder, name = posixpath.split(workbook)
    ids = {}
    for rel in _children(_read(archive, posixpath.join(folder, "_rels", name + ".rels")), "Relationship"):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        ids[rel.get("Id")] = posixpath.normpath(path)
    parts: dict[str, str] = {}
    for sheet in _children(_read(archive, workbook), "sheet"):
        rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
        if rid in ids and sheet.get("name"):
            parts[sheet.get("name", "")] = ids[rid]
    return parts


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _read(archive: zipfile.ZipFile, name: str) -> Element | None:
    """A small XML part, parsed as openpyxl parses (with defusedxml); None when it is not there or does not parse."""
    from openpyxl.xml.functions import fromstring  # defusedxml, as check_defused makes sure

    try:
        root: Element = fromstring(archive.read(name))
    except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile, OSError):
        return None
    return root


def _children(root: Element | None, name: str) -> list[Element]:
    return [] if root is None else [e for e in root.iter() if _local(e.tag) == name]
