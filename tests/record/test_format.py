import json
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.record.corpus import (
    ACTIONS,
    CASES,
    COLOURS,
    DISPLAY,
    EDITOR,
    END_NS,
    EVENTS,
    FPS,
    FRAME_MS,
    MS,
    SECRETS,
    T0,
    broken_copy,
    crop_around,
    frame_pixels,
    snapshot,
    write_recording,
)

from deskhand.desktop.action import Click, TypeText
from deskhand.record.event import EventType, InputEvent, RecordedAction
from deskhand.record.format import (
    SCHEMA_VERSION,
    ActionFiles,
    Recording,
    RecordingError,
    RecordingMeta,
    RecordingWriter,
    SecretsInfo,
)


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> Path:
    """One valid recording per module; tests that change files work on a copy."""
    return write_recording(tmp_path_factory.mktemp("valid") / "recording")


def assert_near(pixels: np.ndarray, colour, tolerance: int = 10) -> None:
    """The video is lossy: compare the frame's top-left area, away from the square."""
    patch = pixels[:200, :].reshape(-1, 3).astype(int)
    assert np.abs(patch - np.array(colour)).max() <= tolerance, patch.mean(0)


def test_round_trip_keeps_events_and_actions_exactly(valid):
    with Recording.open(valid) as recording:
        assert recording.events == EVENTS
        assert recording.actions == ACTIONS
        assert recording.files[4] == ActionFiles()
        assert recording.files[0].frame_png == "frames/frame_000001.png"
        assert recording.files[0].crop_png == "frames/action_0000_crop.png"
        assert (recording.files[0].crop_x, recording.files[0].crop_y) == (68, 168)


def test_round_trip_meta(valid):
    meta = Recording.open(valid).meta
    assert meta.schema_version == SCHEMA_VERSION
    assert meta.display == DISPLAY
    assert meta.fps == FPS
    assert (meta.video.codec, meta.video.width, meta.video.height, meta.video.frames) == (
        "libx264",
        640,
        480,
        10,
    )
    assert meta.video.keyframe_interval == 20
    assert (meta.clock.start_ns, meta.clock.end_ns, meta.clock.name) == (T0, END_NS, "CLOCK_MONOTONIC")
    assert meta.apps == ("mousepad",)
    assert meta.sop == "Type a note and save it."
    assert meta.secrets == SecretsInfo(1, tuple(SECRETS["sources"]))
    assert (meta.counts.events, meta.counts.actions, meta.counts.frames) == (10, 5, 10)
    assert RecordingMeta.from_dict(meta.to_dict()) == meta
    assert json.loads((valid / "meta.json").read_text()) == meta.to_dict()


def test_human_seconds_is_start_to_stop(valid):
    assert Recording.open(valid).human_seconds == pytest.approx(1.2)


def test_before_frames_are_the_lossless_pngs(valid):
    """Actions without a PNG (the KeyPress) are skipped; the rest match the saved pixels exactly."""
    with Recording.open(valid) as recording:
        pairs = list(recording.before_frames())
    assert [a for a, _ in pairs] == ACTIONS[:4]
    for action, frame in pairs:
        assert np.array_equal(frame.pixels, frame_pixels(action.frame_index))
        assert frame.t == pytest.approx((T0 + FRAME_MS[action.frame_index] * MS) / 1e9)


def test_crop_pngs_hold_the_crop(valid):
    with Recording.open(valid) as recording:
        files = recording.files[1]
        crop = np.asarray(__import__("cv2").imread(str(valid / files.crop_png)))[:, :, ::-1]
    expected, x0, y0 = crop_around(frame_pixels(2), (100, 200))
    assert np.array_equal(crop, expected)
    assert (files.crop_x, files.crop_y) == (x0, y0)


def test_frame_at_decodes_the_frame_on_screen(valid):
    with Recording.open(valid) as recording:
        for i, ms in enumerate(FRAME_MS):
            frame = recording.frame_at(T0 + ms * MS)
            assert frame.pixels.shape == (480, 640, 3)
            assert frame.t == (T0 + ms * MS) / 1e9
            assert_near(frame.pixels, COLOURS[i])
        assert_near(recording.frame_at(T0 + 250 * MS).pixels, COLOURS[2])  # between frames 2 and 3
        assert_near(recording.frame_at(T0 - 5 * MS).pixels, COLOURS[0])  # before the first


def test_tables_have_the_documented_column_types(valid):
    events = pq.read_schema(valid / "events.parquet")
    actions = pq.read_schema(valid / "actions.parquet")
    assert events.field("modifiers").type == pa.list_(pa.string())
    assert str(events.field("keycode").type) == "int16"
    assert str(actions.field("target_x").type) == "int32"
    assert actions.field("target_x").nullable
    assert json.loads(pq.read_table(valid / "actions.parquet").column("action")[1].as_py()) == {
        "kind": "type_text",
        "text": "héllo wörld ✓ 日本",
        "secret": False,
    }


def test_secret_events_are_blanked_on_disk_even_if_the_caller_forgot(tmp_path):
    leaky = InputEvent(T0 + MS, EventType.KEY_DOWN, keycode=38, keysym=0x61, char="a", secret=True)
    writer = RecordingWriter(tmp_path / "r", DISPLAY, FPS, T0)
    writer.add_frame(frame_pixels(0), T0)
    writer.finish([leaky], [], T0 + 2 * MS)
    (event,) = Recording.open(tmp_path / "r").events
    assert (event.keycode, event.keysym, event.char, event.secret) == (0, 0, "", True)
    assert event.type == EventType.KEY_DOWN and event.t_ns == leaky.t_ns


def test_secret_count_defaults_to_secret_type_text_actions(tmp_path):
    writer = RecordingWriter(tmp_path / "r", DISPLAY, FPS, T0)
    writer.add_frame(frame_pixels(0), T0)
    secret = RecordedAction(TypeText("", secret=True), T0, T0 + MS)
    writer.finish([], [(secret, ActionFiles()), (secret, ActionFiles())], T0 + 2 * MS)
    assert Recording.open(tmp_path / "r").meta.secrets == SecretsInfo(count=2)


def test_wall_start_comes_from_the_injected_clocks(tmp_path):
    now = datetime(2025, 3, 4, 12, 0, 10, tzinfo=UTC)
    writer = RecordingWriter(
        tmp_path / "r", DISPLAY, FPS, T0, wall_clock=lambda: now, monotonic_ns=lambda: T0 + 10_000 * MS
    )
    assert writer.created_utc == "2025-03-04T12:00:10.000+00:00"
    assert writer.wall_start_utc == "2025-03-04T12:00:00.000+00:00"
    writer.abort()


def test_odd_display_is_padded_and_cropped_back(tmp_path):
    display = DISPLAY.__class__("odd", 641, 481, 1.0)
    writer = RecordingWriter(tmp_path / "r", display, FPS, T0)
    writer.add_frame(np.full((481, 641, 3), (10, 150, 220), np.uint8), T0 + 3 * MS)
    writer.finish([], [], T0 + 10 * MS)
    with Recording.open(tmp_path / "r") as recording:
        assert (recording.meta.video.width, recording.meta.video.pad_right) == (642, 1)
        frame = recording.frame_at(T0 + 5 * MS)
        assert frame.size == (641, 481)
        assert_near(frame.pixels, (10, 150, 220))


def test_writer_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "notes.txt").write_text("mine")
    with pytest.raises(RecordingError, match="not empty"):
        RecordingWriter(tmp_path / "r", DISPLAY, FPS, T0)
    assert [p.name for p in (tmp_path / "r").iterdir()] == ["notes.txt"]


def test_writer_names_a_screen_no_encoder_can_hold(tmp_path):
    with pytest.raises(RecordingError, match="no encoder for a 640x480 screen"):
        RecordingWriter(tmp_path / "r", DISPLAY, FPS, T0, can_open=lambda codec: False)
    assert not (tmp_path / "r").exists()


def test_writer_refuses_frames_of_the_wrong_size(tmp_path):
    writer = RecordingWriter(tmp_path / "r", DISPLAY, FPS, T0)
    with pytest.raises(RecordingError, match=r"\(480, 640, 3\)"):
        writer.add_frame(np.zeros((48, 64, 3), np.uint8), T0)
    writer.abort()


def test_finish_without_frames_is_refused(tmp_path):
    writer = RecordingWriter(tmp_path / "r", DISPLAY, FPS, T0)
    with pytest.raises(RecordingError, match="no frames"):
        writer.finish([], [], T0 + MS)
    assert not (tmp_path / "r" / "meta.json").exists()


def test_finish_refuses_dangling_references_and_writes_no_meta(tmp_path):
    writer = RecordingWriter(tmp_path / "r", DISPLAY, FPS, T0)
    writer.add_frame(frame_pixels(0), T0)
    dangling = RecordedAction(Click(1, 2), T0, T0 + MS, frame_index=3)
    with pytest.raises(RecordingError, match="frame_index 3 is out of range"):
        writer.finish([], [(dangling, ActionFiles())], T0 + MS)
    assert not (tmp_path / "r" / "meta.json").exists()


def test_abort_leaves_an_incomplete_recording(tmp_path):
    writer = RecordingWriter(tmp_path / "r", DISPLAY, FPS, T0)
    writer.add_frame(frame_pixels(0), T0)
    writer.abort()
    writer.abort()
    assert (tmp_path / "r" / "video" / "screen.mp4").stat().st_size > 0
    with pytest.raises(RecordingError, match="incomplete"):
        Recording.open(tmp_path / "r")


def test_pngs_can_be_saved_from_many_threads_at_once(tmp_path):
    writer = RecordingWriter(tmp_path / "r", DISPLAY, FPS, T0)
    barrier = threading.Barrier(4)

    def save(i: int) -> str:
        barrier.wait(timeout=5) if i < 4 else None
        return writer.save_frame_png(i % 5, frame_pixels(i % 5))  # some indices twice, concurrently

    with ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(save, range(10)))
    writer.abort()
    assert sorted(set(paths)) == [f"frames/frame_{i:06d}.png" for i in range(5)]
    assert sorted(p.name for p in (tmp_path / "r" / "frames").iterdir()) == [
        Path(p).name for p in sorted(set(paths))
    ]
    for i in range(5):
        png = __import__("cv2").imread(str(tmp_path / "r" / f"frames/frame_{i:06d}.png"))[:, :, ::-1]
        assert np.array_equal(png, frame_pixels(i))


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_recordings_raise_one_clear_error_and_stay_untouched(valid, tmp_path, name):
    target = broken_copy(valid, tmp_path, name)
    before = snapshot(tmp_path)
    with pytest.raises(RecordingError, match=CASES[name].message) as raised:
        Recording.open(target)
    assert type(raised.value) is RecordingError
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 400
    assert snapshot(tmp_path) == before


def test_open_accepts_a_string_path(valid):
    assert Recording.open(str(valid)).root == valid


positions = st.one_of(st.integers(0, 3000), st.integers(-3000, -1), st.floats(0, 1, exclude_max=True))
corruptions = st.one_of(
    st.tuples(st.just("flip"), st.lists(st.tuples(positions, st.integers(1, 255)), min_size=1, max_size=8)),
    st.tuples(st.just("truncate"), positions),
    st.tuples(st.just("insert"), st.tuples(positions, st.binary(min_size=1, max_size=64))),
)


def _offset(position: int | float, size: int) -> int:
    if isinstance(position, float):
        return int(position * size)
    return min(max(position % size if position < 0 else position, 0), size - 1)


def _corrupt(data: bytes, corruption) -> bytes:
    kind, arg = corruption
    if not data:
        return b"\x00"
    if kind == "flip":
        out = bytearray(data)
        for position, mask in arg:
            out[_offset(position, len(out))] ^= mask
        return bytes(out)
    if kind == "truncate":
        return data[: _offset(arg, len(data))]
    position, extra = arg
    cut = _offset(position, len(data))
    return data[:cut] + extra + data[cut:]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 10_000), corruption=corruptions)
def test_random_corruption_never_escapes_as_anything_but_recording_error(valid, which, corruption):
    """Whatever one damaged file does, open (and reading what opened) succeeds or raises RecordingError."""
    files = sorted(p.relative_to(valid) for p in valid.rglob("*") if p.is_file())
    victim = files[which % len(files)]
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "recording"
        shutil.copytree(valid, root)
        (root / victim).write_bytes(_corrupt((root / victim).read_bytes(), corruption))
        before = snapshot(root)
        try:
            with Recording.open(root) as recording:
                list(recording.before_frames())
                recording.frame_at(T0 + 500 * MS)
        except RecordingError as e:
            assert "\n" not in str(e)
        assert snapshot(root) == before


def test_the_corpus_starts_from_a_recording_that_opens(valid):
    assert Recording.open(valid).events[0].window == EDITOR
