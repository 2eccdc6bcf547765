"""The Recording directory format, schema version 1: what a recording is on disk.

One directory holds meta.json, events.parquet, actions.parquet, video/screen.mp4 and
frames/*.png (see docs/recording-format.md). meta.json is written last, so a directory
without it is an incomplete recording. `Recording.open` validates everything it can
cheaply and turns every problem into one RecordingError; it never writes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import threading
import time
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import cv2
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from deskhand import __version__
from deskhand.desktop.action import TypeText, from_dict, to_dict
from deskhand.desktop.base import Frame
from deskhand.record.event import EventType, InputEvent, RecordedAction, WindowInfo
from deskhand.record.video import (
    EncoderChoice,
    VideoError,
    VideoReader,
    VideoWriter,
    choose_encoder,
    pyav_can_open,
)

SCHEMA_VERSION = 1
FORMAT_NAME = "deskhand.recording"
META_FILE = "meta.json"
EVENTS_FILE = "events.parquet"
ACTIONS_FILE = "actions.parquet"
VIDEO_FILE = "video/screen.mp4"
FRAMES_DIR = "frames"
CLOCK_NAME = "CLOCK_MONOTONIC"
VIDEO_PTS = "milliseconds since start_ns"


class RecordingError(Exception):
    """A recording that cannot be written or read; the message names the problem and the file."""


@dataclass(frozen=True)
class DisplayInfo:
    """The screen that was recorded: physical pixels and DPI factor."""

    name: str
    width: int
    height: int
    scale: float


@dataclass(frozen=True)
class VideoInfo:
    """meta.json "video": the encoded screen video and why it was encoded that way."""

    path: str
    codec: str
    reason: str
    width: int
    height: int
    pad_right: int
    pad_bottom: int
    keyframe_interval: int
    frames: int


@dataclass(frozen=True)
class ClockInfo:
    """meta.json "clock": every *_ns value in a recording is on this clock."""

    start_ns: int
    end_ns: int
    wall_start_utc: str
    name: str = CLOCK_NAME
    unit: str = "ns"
    video_pts: str = VIDEO_PTS


@dataclass(frozen=True)
class SecretsInfo:
    """How many secret inputs were withheld, and where they were detected (never their values)."""

    count: int = 0
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Counts:
    events: int
    actions: int
    frames: int


@dataclass(frozen=True)
class RecordingMeta:
    """meta.json, typed. `from_dict` refuses foreign, newer and malformed metadata."""

    deskhand_version: str
    created_utc: str
    display: DisplayInfo
    fps: float
    video: VideoInfo
    clock: ClockInfo
    apps: tuple[str, ...]
    sop: str | None
    secrets: SecretsInfo
    counts: Counts
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, "format" and "schema_version" first."""
        body = {k: v for k, v in _plain(self).items() if k != "schema_version"}
        return {"format": FORMAT_NAME, "schema_version": self.schema_version, **body}

    @classmethod
    def from_dict(cls, data: object) -> RecordingMeta:
        """Parse meta.json's object; RecordingError names the first bad key."""
        if not isinstance(data, dict):
            raise RecordingError(f"must hold a JSON object, got {type(data).__name__}")
        if data.get("format") != FORMAT_NAME:
            raise RecordingError(f"foreign directory: format is {data.get('format')!r}, not {FORMAT_NAME!r}")
        version = data.get("schema_version")
        if isinstance(version, bool) or not isinstance(version, int):
            raise RecordingError(f"schema_version is missing or not an int: {version!r}")
        if version > SCHEMA_VERSION:
            raise RecordingError(
                f"written by a newer deskhand: version {version}, this reads {SCHEMA_VERSION}; upgrade deskhand"
            )
        if version != SCHEMA_VERSION:
            raise RecordingError(f"unknown schema_version {version}, this reads {SCHEMA_VERSION}")
        meta = _parse(cls, data, "")
        _check_meta(meta)
        return meta


def _plain(obj: Any) -> Any:
    """Dataclasses to dicts and tuples to lists, recursively."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [_plain(v) for v in obj]
    return obj


def _parse(cls: type[Any], data: object, where: str) -> Any:
    """Build dataclass `cls` from a JSON object, checking every field's type."""
    if not isinstance(data, dict):
        raise RecordingError(f"key {where!r} must be an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for field in dataclasses.fields(cls):
        key = f"{where}.{field.name}" if where else field.name
        if field.name not in data:
            raise RecordingError(f"missing key {key!r}")
        kwargs[field.name] = _typed(hints[field.name], data[field.name], key)
    return cls(**kwargs)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


# field type -> (what the message calls it, the check for a parsed JSON value)
_JSON_TYPES: dict[Any, tuple[str, Callable[[object], bool]]] = {
    int: ("an int", _is_int),
    float: ("a finite number", _is_number),
    str: ("a string", lambda v: isinstance(v, str)),
    str | None: ("a string or null", lambda v: v is None or isinstance(v, str)),
    tuple[str, ...]: (
        "a list of strings",
        lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
    ),
}


def _typed(hint: Any, value: Any, key: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return _parse(typing.cast(type, hint), value, key)
    name, ok = _JSON_TYPES[hint]
    if not ok(value):
        raise RecordingError(f"key {key!r} must be {name}, got {value!r:.60}")
    if hint is float:
        return float(value)
    return tuple(value) if isinstance(value, list) else value


def _check_meta(meta: RecordingMeta) -> None:
    """Rules between fields that types alone do not catch."""
    video, display, clock = meta.video, meta.display, meta.clock
    problems = [
        (meta.fps > 0, f"fps must be > 0, got {meta.fps}"),
        (display.width >= 1 and display.height >= 1, "display width and height must be >= 1"),
        (
            (video.width, video.height)
            == (display.width + video.pad_right, display.height + video.pad_bottom),
            f"video {video.width}x{video.height} with padding ({video.pad_right}, {video.pad_bottom}) "
            f"does not match display {display.width}x{display.height}",
        ),
        (video.pad_right in (0, 1) and video.pad_bottom in (0, 1), "video padding must be 0 or 1"),
        (clock.name == CLOCK_NAME and clock.unit == "ns", f"clock must be {CLOCK_NAME} in ns"),
        (clock.end_ns >= clock.start_ns, "clock.end_ns is before clock.start_ns"),
        (video.frames == meta.counts.frames, "video.frames does not match counts.frames"),
        (min(meta.counts.events, meta.counts.actions, video.frames) >= 0, "counts must be >= 0"),
        (_inside(video.path), f"video.path {video.path!r} must be a relative path inside the recording"),
    ]
    for ok, problem in problems:
        if not ok:
            raise RecordingError(problem)


def _inside(relative: str) -> bool:
    """Whether a path from a recording's files stays inside the recording directory."""
    path = Path(relative)
    return bool(relative) and not path.is_absolute() and ".." not in path.parts


@dataclass(frozen=True)
class ActionFiles:
    """The PNGs saved for one action; paths are relative to the recording root, "" for none."""

    frame_png: str = ""
    crop_png: str = ""
    crop_x: int = 0
    crop_y: int = 0


# -- tables -------------------------------------------------------------------------------------

WINDOW_FIELDS = [
    pa.field("window_id", pa.int64(), nullable=False),
    pa.field("window_title", pa.string(), nullable=False),
    pa.field("window_class", pa.string(), nullable=False),
    pa.field("window_x", pa.int32(), nullable=False),
    pa.field("window_y", pa.int32(), nullable=False),
    pa.field("window_width", pa.int32(), nullable=False),
    pa.field("window_height", pa.int32(), nullable=False),
]
EVENTS_SCHEMA = pa.schema(
    [
        pa.field("t_ns", pa.int64(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("x", pa.int32(), nullable=False),
        pa.field("y", pa.int32(), nullable=False),
        pa.field("button", pa.int16(), nullable=False),
        pa.field("keycode", pa.int16(), nullable=False),
        pa.field("keysym", pa.int64(), nullable=False),
        pa.field("char", pa.string(), nullable=False),
        pa.field("modifiers", pa.list_(pa.string()), nullable=False),
        *WINDOW_FIELDS,
        pa.field("secret", pa.bool_(), nullable=False),
    ]
)
ACTIONS_SCHEMA = pa.schema(
    [
        pa.field("t_start_ns", pa.int64(), nullable=False),
        pa.field("t_end_ns", pa.int64(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("action", pa.string(), nullable=False),
        pa.field("frame_index", pa.int64(), nullable=False),
        pa.field("frame_png", pa.string(), nullable=False),
        pa.field("target_x", pa.int32(), nullable=True),
        pa.field("target_y", pa.int32(), nullable=True),
        pa.field("crop_png", pa.string(), nullable=False),
        pa.field("crop_x", pa.int32(), nullable=False),
        pa.field("crop_y", pa.int32(), nullable=False),
        *WINDOW_FIELDS,
    ]
)

Columns = dict[str, list[Any]]


def _window_columns(windows: Sequence[WindowInfo]) -> Columns:
    return {
        "window_id": [w.id for w in windows],
        "window_title": [w.title for w in windows],
        "window_class": [w.wm_class for w in windows],
        "window_x": [w.x for w in windows],
        "window_y": [w.y for w in windows],
        "window_width": [w.width for w in windows],
        "window_height": [w.height for w in windows],
    }


def _window(cols: Columns, i: int) -> WindowInfo:
    return WindowInfo(
        id=cols["window_id"][i],
        title=cols["window_title"][i],
        wm_class=cols["window_class"][i],
        x=cols["window_x"][i],
        y=cols["window_y"][i],
        width=cols["window_width"][i],
        height=cols["window_height"][i],
    )


def events_table(events: Sequence[InputEvent]) -> pa.Table:
    """One row per event. Secret rows are blanked here too, whatever the caller passed."""
    return pa.Table.from_pydict(
        {
            "t_ns": [e.t_ns for e in events],
            "type": [str(e.type) for e in events],
            "x": [e.x for e in events],
            "y": [e.y for e in events],
            "button": [e.button for e in events],
            "keycode": [0 if e.secret else e.keycode for e in events],
            "keysym": [0 if e.secret else e.keysym for e in events],
            "char": ["" if e.secret else e.char for e in events],
            "modifiers": [list(e.modifiers) for e in events],
            **_window_columns([e.window for e in events]),
            "secret": [e.secret for e in events],
        },
        schema=EVENTS_SCHEMA,
    )


def actions_table(actions: Sequence[tuple[RecordedAction, ActionFiles]]) -> pa.Table:
    """One row per action; the action itself is its to_dict JSON."""
    recorded = [a for a, _ in actions]
    files = [f for _, f in actions]
    return pa.Table.from_pydict(
        {
            "t_start_ns": [a.t_start_ns for a in recorded],
            "t_end_ns": [a.t_end_ns for a in recorded],
            "kind": [a.action.kind.value for a in recorded],
            "action": [json.dumps(to_dict(a.action), ensure_ascii=False) for a in recorded],
            "frame_index": [a.frame_index for a in recorded],
            "frame_png": [f.frame_png for f in files],
            "target_x": [a.target[0] if a.target else None for a in recorded],
            "target_y": [a.target[1] if a.target else None for a in recorded],
            "crop_png": [f.crop_png for f in files],
            "crop_x": [f.crop_x for f in files],
            "crop_y": [f.crop_y for f in files],
            **_window_columns([a.window for a in recorded]),
        },
        schema=ACTIONS_SCHEMA,
    )


def _read_table(path: Path, schema: pa.Schema) -> Columns:
    """A parquet file as columns of Python values, after checking names, types and nulls."""
    if not path.is_file():
        raise RecordingError(f"{path} is missing")
    try:
        return _checked_columns(pq.read_table(path, page_checksum_verification=True), schema, path)
    except RecordingError:
        raise
    except Exception as e:  # pyarrow raises many types (even UnicodeDecodeError) for damaged files
        raise RecordingError(f"{path} is unreadable or corrupt: {_one_line(e)}") from e


def _checked_columns(table: pa.Table, schema: pa.Schema, path: Path) -> Columns:
    for field in schema:
        if field.name not in table.column_names:
            raise RecordingError(f"{path} has no column {field.name!r}")
        column = table.column(field.name)
        if column.type != field.type:
            raise RecordingError(f"{path}: column {field.name!r} is {column.type}, expected {field.type}")
        if not field.nullable and column.null_count:
            raise RecordingError(f"{path}: column {field.name!r} has {column.null_count} null(s)")
    return {field.name: table.column(field.name).to_pylist() for field in schema}


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text[:200]}"


def _rows(cols: Columns) -> int:
    return len(next(iter(cols.values()), []))


def _events_from(cols: Columns, path: Path) -> list[InputEvent]:
    events = []
    for i in range(_rows(cols)):
        try:
            kind = EventType(cols["type"][i])
        except ValueError:
            raise RecordingError(f"{path} row {i}: unknown event type {cols['type'][i]!r}") from None
        modifiers = cols["modifiers"][i]
        if any(not isinstance(m, str) for m in modifiers):
            raise RecordingError(f"{path} row {i}: modifiers must all be strings")
        events.append(
            InputEvent(
                t_ns=cols["t_ns"][i],
                type=kind,
                x=cols["x"][i],
                y=cols["y"][i],
                button=cols["button"][i],
                keycode=cols["keycode"][i],
                keysym=cols["keysym"][i],
                char=cols["char"][i],
                modifiers=tuple(modifiers),
                window=_window(cols, i),
                secret=cols["secret"][i],
            )
        )
    return events


def _actions_from(cols: Columns, path: Path) -> list[tuple[RecordedAction, ActionFiles]]:
    out = []
    for i in range(_rows(cols)):
        where = f"{path} row {i}"
        try:
            action = from_dict(json.loads(cols["action"][i]))
        except (ValueError, RecursionError) as e:  # JSONDecodeError and ActionError are ValueErrors
            raise RecordingError(f"{where}: bad action: {_one_line(e)}") from e
        if action.kind.value != cols["kind"][i]:
            raise RecordingError(f"{where}: kind {cols['kind'][i]!r} but the action is {action.kind.value!r}")
        tx, ty = cols["target_x"][i], cols["target_y"][i]
        if (tx is None) != (ty is None):
            raise RecordingError(f"{where}: target_x and target_y must both be set or both be null")
        recorded = RecordedAction(
            action=action,
            t_start_ns=cols["t_start_ns"][i],
            t_end_ns=cols["t_end_ns"][i],
            window=_window(cols, i),
            target=None if tx is None else (tx, ty),
            frame_index=cols["frame_index"][i],
        )
        files = ActionFiles(cols["frame_png"][i], cols["crop_png"][i], cols["crop_x"][i], cols["crop_y"][i])
        out.append((recorded, files))
    return out


def _check_refs(root: Path, actions: Sequence[tuple[RecordedAction, ActionFiles]], frames: int) -> None:
    """Every frame_index is a video frame (or -1), and every PNG an action names exists."""
    for i, (recorded, files) in enumerate(actions):
        if not -1 <= recorded.frame_index < frames:
            raise RecordingError(
                f"{root / ACTIONS_FILE} row {i}: frame_index {recorded.frame_index} is out of range "
                f"(the video has {frames} frames)"
            )
        for png in (files.frame_png, files.crop_png):
            if png and not _inside(png):
                raise RecordingError(f"{root / ACTIONS_FILE} row {i}: PNG path {png!r} leaves the recording")
            if png and not (root / png).is_file():
                raise RecordingError(f"{root / ACTIONS_FILE} row {i}: referenced PNG {root / png} is missing")


# -- writing ------------------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RecordingWriter:
    """Writes one recording directory incrementally: video as frames arrive, PNGs on demand,
    tables and meta at finish.

    Call `add_frame` from one thread; `save_frame_png`/`save_crop_png` may run on others.
    """

    def __init__(
        self,
        root: Path,
        display: DisplayInfo,
        fps: float,
        start_ns: int,
        apps: Sequence[str] = (),
        sop: str | None = None,
        can_open: Callable[[str], bool] = pyav_can_open,
        *,
        wall_clock: Callable[[], datetime] = _utc_now,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.root = Path(root)
        _refuse_non_empty(self.root)
        try:
            self.choice: EncoderChoice = choose_encoder(display.width, display.height, fps, can_open)
        except VideoError as e:
            raise RecordingError(str(e)) from e
        self.display, self.fps, self.start_ns = display, fps, start_ns
        self.apps, self.sop = tuple(apps), sop
        now = wall_clock()
        self.created_utc = now.isoformat(timespec="milliseconds")
        since_start = timedelta(microseconds=(monotonic_ns() - start_ns) / 1000)
        self.wall_start_utc = (now - since_start).isoformat(timespec="milliseconds")
        (self.root / "video").mkdir(parents=True, exist_ok=True)
        (self.root / FRAMES_DIR).mkdir(exist_ok=True)
        try:
            self._video = VideoWriter(self.root / VIDEO_FILE, self.choice, fps, origin_ns=start_ns)
        except VideoError as e:
            raise RecordingError(str(e)) from e
        self._done = False

    @property
    def frames(self) -> int:
        return self._video.frames

    def add_frame(self, pixels: np.ndarray, t_ns: int) -> int:
        """Append a (H, W, 3) RGB frame captured at `t_ns` to the video; returns its index."""
        try:
            return self._video.write(pixels, t_ns)
        except VideoError as e:
            raise RecordingError(str(e)) from e

    def save_frame_png(self, index: int, pixels: np.ndarray) -> str:
        """Save video frame `index` losslessly; returns its path relative to the root."""
        return self._save_png(f"{FRAMES_DIR}/frame_{index:06d}.png", pixels)

    def save_crop_png(self, action_index: int, pixels: np.ndarray) -> str:
        """Save the crop around action `action_index`'s target; returns its relative path."""
        return self._save_png(f"{FRAMES_DIR}/action_{action_index:04d}_crop.png", pixels)

    def _save_png(self, relative: str, pixels: np.ndarray) -> str:
        """Encode, then rename into place: a reader or a crash never sees half a PNG.

        The temporary name is per thread, so concurrent saves never share a file.
        """
        if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
            raise RecordingError(
                f"{relative}: expected (H, W, 3) uint8 RGB, got {pixels.shape} {pixels.dtype}"
            )
        ok, data = cv2.imencode(".png", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
        if not ok:
            raise RecordingError(f"could not encode {self.root / relative}")
        final = self.root / relative
        tmp = final.with_name(f".{threading.get_ident()}-{final.name}")
        tmp.write_bytes(data.tobytes())
        os.replace(tmp, final)
        return relative

    def finish(
        self,
        events: Sequence[InputEvent],
        actions: Sequence[tuple[RecordedAction, ActionFiles]],
        end_ns: int,
        secrets: SecretsInfo | Mapping[str, Any] | None = None,
    ) -> Path:
        """Close the video, write both tables, then meta.json (last: it marks the recording complete).

        `secrets` is a SecretsInfo or a {"count", "sources"} dict; by default it counts the
        secret TypeText actions.
        """
        if self._done:
            raise RecordingError(f"{self.root} is already finished")
        self._done = True
        try:
            self._video.close()
        except VideoError as e:
            raise RecordingError(str(e)) from e
        if self.frames == 0:
            raise RecordingError(f"{self.root}: no frames were captured, so there is nothing to save")
        if end_ns < self.start_ns:
            raise RecordingError(f"end_ns {end_ns} is before start_ns {self.start_ns}")
        _check_refs(self.root, actions, self.frames)
        self._write_table(EVENTS_FILE, lambda: events_table(events))
        self._write_table(ACTIONS_FILE, lambda: actions_table(actions))
        meta = self._meta(len(events), len(actions), end_ns, _secrets_info(secrets, actions))
        text = json.dumps(meta.to_dict(), indent=2, ensure_ascii=False) + "\n"
        tmp = self.root / f".{META_FILE}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.root / META_FILE)
        return self.root

    def _write_table(self, name: str, build: Callable[[], pa.Table]) -> None:
        try:
            pq.write_table(build(), self.root / name, compression="zstd", write_page_checksum=True)
        except (pa.ArrowException, OverflowError, TypeError, ValueError) as e:
            raise RecordingError(f"cannot write {self.root / name}: {_one_line(e)}") from e

    def _meta(self, events: int, actions: int, end_ns: int, secrets: SecretsInfo) -> RecordingMeta:
        c = self.choice
        video = VideoInfo(
            VIDEO_FILE,
            c.codec,
            c.reason,
            c.width,
            c.height,
            c.pad_right,
            c.pad_bottom,
            c.keyframe_interval,
            self.frames,
        )
        return RecordingMeta(
            deskhand_version=__version__,
            created_utc=self.created_utc,
            display=self.display,
            fps=float(self.fps),
            video=video,
            clock=ClockInfo(self.start_ns, end_ns, self.wall_start_utc),
            apps=self.apps,
            sop=self.sop,
            secrets=secrets,
            counts=Counts(events, actions, self.frames),
        )

    def abort(self) -> None:
        """Stop without meta.json: the directory stays, marked incomplete, for inspection."""
        self._done = True
        with contextlib.suppress(VideoError):
            self._video.close()


def _refuse_non_empty(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise RecordingError(f"{root} exists and is not a directory")
    if root.is_dir() and any(root.iterdir()):
        raise RecordingError(f"{root} is not empty; refusing to write a recording over it")


def _secrets_info(
    secrets: SecretsInfo | Mapping[str, Any] | None, actions: Sequence[tuple[RecordedAction, ActionFiles]]
) -> SecretsInfo:
    if isinstance(secrets, SecretsInfo):
        return secrets
    if secrets is None:
        count = sum(isinstance(a.action, TypeText) and a.action.secret for a, _ in actions)
        return SecretsInfo(count=count)
    try:
        return typing.cast(SecretsInfo, _parse(SecretsInfo, dict(secrets), "secrets"))
    except RecordingError as e:
        raise RecordingError(f"bad secrets summary: {e}") from None


# -- reading ------------------------------------------------------------------------------------


class Recording:
    """A finished recording, validated and loaded; frames are decoded on demand."""

    def __init__(
        self,
        root: Path,
        meta: RecordingMeta,
        events: list[InputEvent],
        actions: list[RecordedAction],
        files: list[ActionFiles],
    ) -> None:
        self.root, self.meta, self.events = root, meta, events
        self.actions, self.files = actions, files
        self._video: VideoReader | None = None

    @classmethod
    def open(cls, root: Path | str) -> Recording:
        """Validate and load the recording at `root`; never modifies a file."""
        root = Path(root)
        if not root.exists():
            raise RecordingError(f"{root} does not exist")
        if not root.is_dir():
            raise RecordingError(f"{root} is not a directory")
        meta = _read_meta(root / META_FILE)
        events = _events_from(_read_table(root / EVENTS_FILE, EVENTS_SCHEMA), root / EVENTS_FILE)
        _check_count(root / EVENTS_FILE, len(events), meta.counts.events, "events")
        pairs = _actions_from(_read_table(root / ACTIONS_FILE, ACTIONS_SCHEMA), root / ACTIONS_FILE)
        _check_count(root / ACTIONS_FILE, len(pairs), meta.counts.actions, "actions")
        _check_video(root, meta)
        _check_refs(root, pairs, meta.video.frames)
        return cls(root, meta, events, [a for a, _ in pairs], [f for _, f in pairs])

    @property
    def human_seconds(self) -> float:
        """How long the person took, start to stop."""
        return (self.meta.clock.end_ns - self.meta.clock.start_ns) / 1e9

    def frame_at(self, t_ns: int) -> Frame:
        """The screen as the video shows it at `t_ns` (lossy); Frame.t is `t_ns` in seconds."""
        try:
            pixels = self._reader().frame_at((t_ns - self.meta.clock.start_ns) // 1_000_000)
        except VideoError as e:
            raise RecordingError(str(e)) from e
        return Frame(pixels, t_ns / 1e9)

    def before_frames(self) -> Iterator[tuple[RecordedAction, Frame]]:
        """Each action with the lossless PNG of the screen just before it; actions without one are skipped.

        Frame.t is the video frame's capture time (millisecond precision), or the action's
        start if it has no frame index.
        """
        for action, files in zip(self.actions, self.files, strict=True):
            if not files.frame_png:
                continue
            yield action, Frame(_read_png(self.root / files.frame_png), self._frame_time(action))

    def _frame_time(self, action: RecordedAction) -> float:
        if action.frame_index < 0:
            return action.t_start_ns / 1e9
        ms = self._reader().timestamps_ms[action.frame_index]
        return (self.meta.clock.start_ns + ms * 1_000_000) / 1e9

    def _reader(self) -> VideoReader:
        if self._video is None:
            video = self.meta.video
            try:
                self._video = VideoReader(
                    self.root / video.path, self.meta.display.width, self.meta.display.height
                )
            except VideoError as e:
                raise RecordingError(str(e)) from e
        return self._video

    def close(self) -> None:
        """Release the video file. Safe to call twice."""
        if self._video is not None:
            self._video.close()
            self._video = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _read_meta(path: Path) -> RecordingMeta:
    if not path.is_file():
        raise RecordingError(f"{path.parent} has no {META_FILE}: incomplete or not a deskhand recording")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as e:  # ValueError covers JSON and UTF-8 errors
        raise RecordingError(f"{path} is not valid JSON: {_one_line(e)}") from e
    try:
        return RecordingMeta.from_dict(data)
    except RecordingError as e:
        raise RecordingError(f"{path}: {e}") from None


def _check_count(path: Path, found: int, expected: int, what: str) -> None:
    if found != expected:
        raise RecordingError(f"{path} has {found} rows but meta.json counts {expected} {what}")


def _check_video(root: Path, meta: RecordingMeta) -> None:
    """The video opens, is the size meta says, and indexes meta's frame count; nothing is decoded."""
    info = meta.video
    try:
        with VideoReader(root / info.path) as reader:
            found, size = reader.frame_count, reader.coded_size
    except VideoError as e:
        raise RecordingError(str(e)) from e
    if found != info.frames:
        raise RecordingError(f"{root / info.path} has {found} frames but meta.json says {info.frames}")
    if size != (info.width, info.height):
        raise RecordingError(
            f"{root / info.path} is {size[0]}x{size[1]} but meta.json says {info.width}x{info.height}"
        )


def _read_png(path: Path) -> np.ndarray:
    pixels = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if pixels is None:
        raise RecordingError(f"{path} is missing or not a readable PNG")
    return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
