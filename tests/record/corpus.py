"""A small valid recording, and a corpus of broken ones made from copies of it.

Everything is built in temporary directories at test time, so no binary fixture is
committed. Each corpus case breaks one thing and says which words the error must use.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from deskhand.desktop.action import Click, Drag, KeyPress, TypeText
from deskhand.record.event import EventType, InputEvent, RecordedAction, WindowInfo
from deskhand.record.format import ActionFiles, DisplayInfo, RecordingWriter

WIDTH, HEIGHT = 640, 480
FPS = 10.0
T0 = 7_000_000_000_000  # the monotonic clock when recording started
MS = 1_000_000
FRAME_MS = [0, 90, 210, 300, 420, 480, 610, 700, 830, 900]  # irregular, as real capture is
COLOURS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30), (200, 30, 200),
           (30, 200, 200), (240, 240, 240), (20, 20, 20), (120, 60, 0), (0, 120, 60)]  # fmt: skip
END_NS = T0 + 1_200 * MS
SECRETS = {"count": 1, "sources": ["typed while a password field had focus"]}

EDITOR = WindowInfo(0x3A00007, "notes.txt — Mousepad", "mousepad", x=0, y=0, width=640, height=480)
DISPLAY = DisplayInfo(name=":99", width=WIDTH, height=HEIGHT, scale=1.0)


def frame_pixels(i: int) -> np.ndarray:
    """Frame i: a solid colour with a white square whose place depends on i."""
    pixels = np.full((HEIGHT, WIDTH, 3), COLOURS[i], dtype=np.uint8)
    x = 100 + 40 * i
    pixels[300:340, x : x + 40] = 255
    return pixels


EVENTS = [
    InputEvent(T0 + 50 * MS, EventType.MOVE, x=100, y=200, window=EDITOR),
    InputEvent(T0 + 95 * MS, EventType.BUTTON_DOWN, x=100, y=200, button=1, window=EDITOR),
    InputEvent(T0 + 140 * MS, EventType.BUTTON_UP, x=100, y=200, button=1, window=EDITOR),
    InputEvent(T0 + 220 * MS, EventType.KEY_DOWN, keycode=26, keysym=0xE9, char="é", window=EDITOR),
    InputEvent(T0 + 260 * MS, EventType.KEY_UP, keycode=26, keysym=0xE9, char="é", window=EDITOR),
    InputEvent(T0 + 310 * MS, EventType.KEY_DOWN, modifiers=("shift",), secret=True, window=EDITOR),
    InputEvent(T0 + 330 * MS, EventType.KEY_UP, modifiers=("shift",), secret=True, window=EDITOR),
    InputEvent(T0 + 500 * MS, EventType.WHEEL, x=300, y=300, button=5),
    InputEvent(T0 + 640 * MS, EventType.KEY_DOWN, keycode=39, keysym=0x73, char="s", modifiers=("ctrl",)),
    InputEvent(T0 + 700 * MS, EventType.KEY_UP, keycode=39, keysym=0x73, char="s", modifiers=("ctrl",)),
]

ACTIONS = [
    RecordedAction(Click(100, 200), T0 + 95 * MS, T0 + 140 * MS, EDITOR, (100, 200), frame_index=1),
    RecordedAction(TypeText("héllo wörld ✓ 日本"), T0 + 220 * MS, T0 + 260 * MS, EDITOR, (100, 200), 2),
    RecordedAction(TypeText("", secret=True), T0 + 310 * MS, T0 + 330 * MS, EDITOR, (100, 200), 3),
    RecordedAction(Drag(((10, 10), (50, 60), (90, 100))), T0 + 420 * MS, T0 + 600 * MS, EDITOR, (10, 10), 4),
    RecordedAction(KeyPress("ctrl+s"), T0 + 640 * MS, T0 + 700 * MS),
]


def crop_around(pixels: np.ndarray, target: tuple[int, int], half: int = 32) -> tuple[np.ndarray, int, int]:
    """The square around `target`, clipped to the screen, and its top-left corner."""
    x0, y0 = max(0, target[0] - half), max(0, target[1] - half)
    return pixels[y0 : target[1] + half, x0 : target[0] + half], x0, y0


def write_recording(root: Path) -> Path:
    """The valid recording every broken case starts from: 10 frames, PNGs for four actions."""
    writer = RecordingWriter(root, DISPLAY, FPS, T0, apps=("mousepad",), sop="Type a note and save it.")
    for i, ms in enumerate(FRAME_MS):
        assert writer.add_frame(frame_pixels(i), T0 + ms * MS) == i
    pairs = []
    for i, action in enumerate(ACTIONS):
        files = ActionFiles()
        if action.frame_index >= 0:
            before = frame_pixels(action.frame_index)
            crop, crop_x, crop_y = crop_around(before, action.target or (0, 0))
            frame_png = writer.save_frame_png(action.frame_index, before)
            files = ActionFiles(frame_png, writer.save_crop_png(i, crop), crop_x, crop_y)
        pairs.append((action, files))
    return writer.finish(EVENTS, pairs, END_NS, SECRETS)


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry under `root` (files: size, mtime_ns, sha256), to prove a reader wrote nothing."""
    if not root.exists():
        return {}
    entries = {}
    for path in sorted(root.rglob("*")):
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        entries[str(path.relative_to(root))] = (
            stat.st_size if path.is_file() else 0,
            stat.st_mtime_ns,
            digest,
        )
    return entries


# -- ways to break a recording: each takes a copy of the valid one and returns the path to open --

Breaker = Callable[[Path], Path]


def _set_cell(table: pa.Table, column: str, row: int, value: object) -> pa.Table:
    values = table.column(column).to_pylist()
    values[row] = value
    index = table.column_names.index(column)
    return table.set_column(index, table.schema.field(index), pa.array(values, table.column(column).type))


def _cut_in_half(relative: str) -> Breaker:
    def breaker(root: Path) -> Path:
        data = (root / relative).read_bytes()
        (root / relative).write_bytes(data[: len(data) // 2])
        return root

    return breaker


def _unlink(relative: str) -> Breaker:
    def breaker(root: Path) -> Path:
        (root / relative).unlink()
        return root

    return breaker


def _write(relative: str, data: bytes) -> Breaker:
    def breaker(root: Path) -> Path:
        (root / relative).write_bytes(data)
        return root

    return breaker


def _edit_meta(edit: Callable[[dict], object]) -> Breaker:
    def breaker(root: Path) -> Path:
        meta = json.loads((root / "meta.json").read_text())
        edit(meta)
        (root / "meta.json").write_text(json.dumps(meta))
        return root

    return breaker


def _edit_actions(edit: Callable[[pa.Table], pa.Table]) -> Breaker:
    def breaker(root: Path) -> Path:
        path = root / "actions.parquet"
        pq.write_table(edit(pq.read_table(path)), path)
        return root

    return breaker


def _missing_dir(root: Path) -> Path:
    return root.parent / "no-such-recording"


def _root_is_file(root: Path) -> Path:
    file = root.parent / "recording.zip"
    file.write_bytes(b"PK")
    return file


def _empty_dir(root: Path) -> Path:
    empty = root.parent / "empty"
    empty.mkdir()
    return empty


def _events_garbage(root: Path) -> Path:
    path = root / "events.parquet"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, path.stat().st_size, dtype=np.uint8).tobytes())
    return root


@dataclass(frozen=True)
class Case:
    """One broken recording: how to break it, and a regex its error message must match."""

    breaker: Breaker
    message: str


CASES: dict[str, Case] = {
    "missing_dir": Case(_missing_dir, "no-such-recording does not exist"),
    "root_is_file": Case(_root_is_file, "recording.zip is not a directory"),
    "empty_dir": Case(_empty_dir, "no meta.json: incomplete or not a deskhand recording"),
    "meta_missing": Case(_unlink("meta.json"), "no meta.json: incomplete or not a deskhand recording"),
    "meta_truncated": Case(_cut_in_half("meta.json"), "meta.json is not valid JSON"),
    "meta_is_list": Case(_write("meta.json", b"[1, 2, 3]"), "meta.json: must hold a JSON object, got list"),
    "foreign_format": Case(_edit_meta(lambda m: m.update(format="someone.else")), "foreign directory"),
    "future_schema": Case(
        _edit_meta(lambda m: m.update(schema_version=2)),
        "written by a newer deskhand: version 2, this reads 1",
    ),
    "old_schema": Case(_edit_meta(lambda m: m.update(schema_version=0)), "unknown schema_version 0"),
    "schema_not_int": Case(
        _edit_meta(lambda m: m.update(schema_version="1")), "schema_version is missing or not"
    ),
    "missing_key": Case(_edit_meta(lambda m: m["video"].pop("codec")), "missing key 'video.codec'"),
    "wrong_type": Case(
        _edit_meta(lambda m: m["counts"].update(events="10")), "'counts.events' must be an int"
    ),
    "events_truncated": Case(_cut_in_half("events.parquet"), "events.parquet is unreadable or corrupt"),
    "events_garbage": Case(_events_garbage, "events.parquet is unreadable or corrupt"),
    "events_missing": Case(_unlink("events.parquet"), "events.parquet is missing"),
    "actions_column_dropped": Case(_edit_actions(lambda t: t.drop_columns(["crop_x"])), "no column 'crop_x'"),
    "actions_column_retyped": Case(
        _edit_actions(lambda t: t.set_column(4, "frame_index", t.column("frame_index").cast(pa.string()))),
        "column 'frame_index' is string, expected int64",
    ),
    "action_json_invalid": Case(
        _edit_actions(lambda t: _set_cell(t, "action", 1, "{not json")), "row 1: bad action"
    ),
    "action_unknown_kind": Case(
        _edit_actions(lambda t: _set_cell(t, "action", 0, '{"kind": "teleport", "x": 1}')),
        "row 0: bad action.*unknown action kind 'teleport'",
    ),
    "frame_index_out_of_range": Case(
        _edit_actions(lambda t: _set_cell(t, "frame_index", 2, 10)), "row 2: frame_index 10 is out of range"
    ),
    "missing_png": Case(_unlink("frames/frame_000002.png"), "referenced PNG .*frame_000002.png is missing"),
    "video_truncated": Case(_cut_in_half("video/screen.mp4"), "cannot read video .*screen.mp4"),
    "video_missing": Case(_unlink("video/screen.mp4"), "video .*screen.mp4 does not exist"),
    "counts_mismatch": Case(
        _edit_meta(lambda m: m["counts"].update(events=11)), "has 10 rows but meta.json counts 11 events"
    ),
    "frames_mismatch": Case(
        _edit_meta(lambda m: (m["counts"].update(frames=11), m["video"].update(frames=11))),
        "has 10 frames but meta.json says 11",
    ),
}


def broken_copy(valid: Path, workdir: Path, name: str) -> Path:
    """Copy `valid` into `workdir` and break it as CASES[name] says; returns the path to open."""
    root = workdir / "recording"
    shutil.copytree(valid, root)
    return CASES[name].breaker(root)
