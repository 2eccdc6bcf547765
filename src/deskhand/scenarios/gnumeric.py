"""Gnumeric for scenarios: write a workbook, open it on a desktop, read back what the app saved.

A .gnumeric file is gzipped XML. We write the smallest one Gnumeric opens, so setting up
needs no converter, and read cells straight from the XML, so checking trusts only the app.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     write_workbook(Path(tmp) / "t.gnumeric", ("Item", "Price"), [("Tea", "2.5")])
...     read_cells(Path(tmp) / "t.gnumeric")
{(0, 0): 'Item', (0, 1): 'Price', (1, 0): 'Tea', (1, 1): '2.5'}
"""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path

from deskhand.desktop.apps import mousepad_env
from deskhand.desktop.x11 import Window, X11Desktop
from deskhand.scenarios.base import DEFAULT_LOOK, Look

NS = "http://www.gnumeric.org/v10.dtd"
FLOAT, STRING = "40", "60"  # Gnumeric's ValueType codes
NUMBER = re.compile(r"-?\d+(\.\d+)?")

# Gnumeric saves 23.99 as 23.9899999999999999998: read numbers at the 15 digits a double holds
SAVED_DIGITS = Context(prec=15)

Cells = dict[tuple[int, int], str]  # (row, col), 0-based -> the value, or the expression as typed


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def workbook_xml(header: Sequence[str], rows: Sequence[Sequence[str]], sheet: str = "Sheet1") -> bytes:
    """One sheet with `header` in row 0 and `rows` below; numbers become numbers, "=..." formulas, "" no cell."""
    ET.register_namespace("gnm", NS)
    book = ET.Element(_tag("Workbook"))
    ET.SubElement(ET.SubElement(book, _tag("SheetNameIndex")), _tag("SheetName")).text = sheet
    node = ET.SubElement(ET.SubElement(book, _tag("Sheets")), _tag("Sheet"))
    ET.SubElement(node, _tag("Name")).text = sheet
    table = [tuple(header), *(tuple(row) for row in rows)]
    ET.SubElement(node, _tag("MaxCol")).text = str(max(len(row) for row in table) - 1)
    ET.SubElement(node, _tag("MaxRow")).text = str(len(table) - 1)
    cells = ET.SubElement(node, _tag("Cells"))
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            if value != "":
                attrs = {"Row": str(r), "Col": str(c)}
                if not value.startswith("="):  # a formula's value is Gnumeric's to compute
                    attrs["ValueType"] = FLOAT if NUMBER.fullmatch(value) else STRING
                ET.SubElement(cells, _tag("Cell"), attrs).text = value
    return ET.tostring(book, encoding="utf-8", xml_declaration=True)


def write_workbook(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], sheet: str = "Sheet1"
) -> None:
    path.write_bytes(gzip.compress(workbook_xml(header, rows, sheet)))


def read_cells(path: Path, sheet: int = 0) -> Cells:
    """The non-empty cells of one sheet of a saved .gnumeric file (gzipped or not)."""
    data = path.read_bytes()
    root = ET.fromstring(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    sheets = root.findall(f"{_tag('Sheets')}/{_tag('Sheet')}")
    return {
        (int(cell.attrib["Row"]), int(cell.attrib["Col"])): cell.text or ""
        for cell in sheets[sheet].iter(_tag("Cell"))
        if cell.text
    }


def saved_number(text: str | None) -> Decimal | None:
    """A number as Gnumeric saved it, or None if it is not one."""
    try:
        return SAVED_DIGITS.create_decimal(text.strip()) if text is not None else None
    except InvalidOperation:
        return None


def gnumeric_command(path: Path) -> list[str]:
    return ["gnumeric", "--no-splash", str(path)]


def gnumeric_env(desktop: X11Desktop, home: Path, look: Look = DEFAULT_LOOK) -> dict[str, str]:
    """A private HOME, so Gnumeric starts with default settings; the font scaled as `look` says."""
    env = mousepad_env(home)  # private XDG dirs suit any GTK app
    if look.font_scale != 1.0:  # on a HiDPI desktop GDK_DPI_SCALE already undoes GDK_SCALE for text
        env["GDK_DPI_SCALE"] = f"{float(desktop.app_env().get('GDK_DPI_SCALE', 1)) * look.font_scale:g}"
    return env


@contextmanager
def open_gnumeric(
    desktop: X11Desktop, path: Path, workdir: Path, look: Look = DEFAULT_LOOK
) -> Iterator[Window]:
    """Gnumeric showing `path`, ready for input; closed on exit."""
    app = desktop.launch(gnumeric_command(path), env=gnumeric_env(desktop, workdir / "home", look))
    try:
        window = desktop.wait_for_window(re.escape(path.name), timeout=30)
        desktop.wait_until_stable(timeout=20)
        yield next((w for w in desktop.windows() if w.id == window.id), window)
    finally:
        app.close()
