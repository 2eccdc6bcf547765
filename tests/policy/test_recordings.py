"""Expert demonstrations are real Recordings: written like a person's, read back exactly."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from deskhand.desktop.action import Click, Drag
from deskhand.policy.base import KEYS, Kind, PolicyAction
from deskhand.policy.demos import cache_path, collect, load_task, record_task
from deskhand.policy.experts import EXPERTS
from deskhand.policy.recordings import (
    episode_dir,
    episode_dirs,
    read_episode,
    recordable,
    write_episode,
)
from deskhand.record.event import EventType, InputEvent
from deskhand.record.format import (
    EVENTS_FILE,
    META_FILE,
    DisplayInfo,
    Recording,
    RecordingError,
    RecordingWriter,
)
from deskhand.record.merge import merge_events

UTTERANCE = 'Type "Hi, you!" then click "OK".'
POINTER = [
    PolicyAction(kind, x=37.0, y=121.0)
    for kind in (
        Kind.CLICK,
        Kind.DBLCLICK,
        Kind.MOVE,
        Kind.MOUSEDOWN,
        Kind.MOUSEUP,
        Kind.SCROLL_UP,
        Kind.SCROLL_DOWN,
    )
]
KEY_ACTIONS = [PolicyAction(Kind.KEY, key=key) for key in KEYS]
TEXTS = [
    PolicyAction(Kind.TYPE, text=text)
    for text in (
        "Hi, you!",
        "a b  c",
        'Q: "x" (y) [z] {w} <v> ~`|\\',
        "1234567890-=!@#$%^&*()_+;:'?/.,",
        "né 東",
    )
]
EVERY_ACTION = POINTER + KEY_ACTIONS + TEXTS


def frames(n: int, seed: int = 0) -> list[np.ndarray]:
    """n distinct 160x210 screens: random pixels, so any lossy path would show."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (210, 160, 3), dtype=np.uint8) for _ in range(n)]


def actions_of(path: Path) -> list[PolicyAction]:
    return [action for _, _, action in read_episode(path)]


@pytest.mark.parametrize("action", EVERY_ACTION, ids=lambda a: f"{a.kind}-{a.key or a.text or a.x}")
def test_each_action_round_trips_exactly_through_a_recording(tmp_path: Path, action: PolicyAction):
    path = write_episode(tmp_path / "ep", frames(2), UTTERANCE, [action], task="click-button")
    assert actions_of(path) == [action]


def test_a_whole_episode_reads_back_its_frames_utterance_and_actions(tmp_path: Path):
    """Pointer position carries across steps into key events; the frames are the exact pixels."""
    screens = frames(len(EVERY_ACTION) + 1)
    path = write_episode(tmp_path / "ep", screens, UTTERANCE, EVERY_ACTION, task="enter-text")
    rows = read_episode(path)
    assert [a for _, _, a in rows] == EVERY_ACTION
    assert all(u == UTTERANCE for _, u, _ in rows)
    assert all(np.array_equal(f, s) for (f, _, _), s in zip(rows, screens, strict=False))


def test_the_recording_is_a_valid_deskhand_recording_with_merged_actions(tmp_path: Path):
    """meta names the app and the utterance as SOP; actions.parquet is merge_events of the events."""
    steps = [PolicyAction(Kind.CLICK, x=20, y=60), PolicyAction(Kind.TYPE, text="Hi, you!")]
    path = write_episode(tmp_path / "ep", frames(3), UTTERANCE, steps, task="enter-text")
    with Recording.open(path) as rec:
        assert rec.meta.apps == ("miniwob:enter-text",)
        assert rec.meta.sop == UTTERANCE
        assert (rec.meta.display.width, rec.meta.display.height) == (160, 210)
        assert (rec.meta.video.codec, rec.meta.video.pad_right, rec.meta.video.pad_bottom) == (
            "libx264",
            0,
            0,
        )
        assert rec.meta.video.frames == 3
        assert [a.action for a in rec.actions] == [a.action for a in merge_events(rec.events)]
        assert [(a.frame_index, a.target) for a in rec.actions] == [(0, (20, 60)), (1, (20, 60))]
        befores = list(rec.before_frames())
    assert len(befores) == 2


def test_consecutive_clicks_in_one_place_stay_separate_clicks(tmp_path: Path):
    """Steps are a second apart, beyond the double-click interval, so two steps never merge."""
    click = PolicyAction(Kind.CLICK, x=50, y=100)
    path = write_episode(tmp_path / "ep", frames(3), UTTERANCE, [click, click], task="click-button")
    with Recording.open(path) as rec:
        assert [a.action for a in rec.actions] == [Click(50, 100), Click(50, 100)]
    assert actions_of(path) == [click, click]


def test_uppercase_is_typed_with_shift_as_a_person_would(tmp_path: Path):
    path = write_episode(tmp_path / "ep", frames(2), UTTERANCE, [PolicyAction(Kind.TYPE, text="H")], task="t")
    with Recording.open(path) as rec:
        shown = [(e.type.value, e.keysym, e.char, e.modifiers) for e in rec.events]
    assert shown == [
        ("key_down", 0xFFE1, "", ()),
        ("key_down", ord("H"), "H", ("shift",)),
        ("key_up", ord("H"), "H", ("shift",)),
        ("key_up", 0xFFE1, "", ("shift",)),
    ]


def test_what_a_recording_cannot_tell_apart_is_stored_as_one_form():
    """Fractions of a pixel are dropped; a typed lone space is the space key."""
    assert recordable(PolicyAction(Kind.CLICK, x=80.5, y=99.99)) == PolicyAction(Kind.CLICK, x=80.0, y=99.0)
    assert recordable(PolicyAction(Kind.TYPE, text=" ")) == PolicyAction(Kind.KEY, key="<Space>")
    assert recordable(PolicyAction(Kind.KEY, key="<Tab>", x=3.0)) == PolicyAction(Kind.KEY, key="<Tab>")
    with pytest.raises(ValueError, match="printable"):
        recordable(PolicyAction(Kind.TYPE, text="a\nb"))


def test_a_directory_that_is_no_recording_is_a_recording_error(tmp_path: Path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("hello")
    with pytest.raises(RecordingError, match=r"meta\.json"):
        read_episode(tmp_path / "junk")
    with pytest.raises(RecordingError, match="does not exist"):
        read_episode(tmp_path / "missing")


def test_a_corrupt_episode_is_a_recording_error_naming_the_file(tmp_path: Path):
    path = write_episode(tmp_path / "ep", frames(2), UTTERANCE, [POINTER[0]], task="t")
    events = path / EVENTS_FILE
    events.write_bytes(events.read_bytes()[:40])
    with pytest.raises(RecordingError, match=r"events\.parquet"):
        read_episode(path)


def test_a_missing_frame_png_is_a_recording_error(tmp_path: Path):
    path = write_episode(tmp_path / "ep", frames(3), UTTERANCE, [POINTER[2], POINTER[2]], task="t")
    (path / "frames" / "frame_000001.png").unlink()  # a move has no merged action, so only we need it
    with pytest.raises(RecordingError, match=r"frame_000001\.png"):
        read_episode(path)


def test_a_persons_recording_is_refused_as_an_expert_episode(tmp_path: Path):
    """A valid recording whose input between two frames is a drag: no one policy action made it."""
    writer = RecordingWriter(
        tmp_path / "person", DisplayInfo(":0", 160, 210, 1.0), 1.0, 0, apps=("miniwob:t",), sop="x"
    )
    for i, frame in enumerate(frames(2)):
        writer.add_frame(frame, i * 1_000_000_000)
    ms = 1_000_000
    drag = [
        InputEvent(10 * ms, EventType.MOVE, 10, 60),
        InputEvent(20 * ms, EventType.BUTTON_DOWN, 10, 60, button=1),
        InputEvent(30 * ms, EventType.MOVE, 90, 60),
        InputEvent(40 * ms, EventType.BUTTON_UP, 90, 60, button=1),
    ]
    assert isinstance(merge_events(drag)[0].action, Drag)
    writer.finish(drag, [], 1_000_000_000)
    with pytest.raises(RecordingError, match="not the input of one policy action"):
        read_episode(tmp_path / "person")
    meta = tmp_path / "person" / META_FILE
    meta.write_text(meta.read_text().replace('"miniwob:t"', '"gedit"'))
    with pytest.raises(RecordingError, match="not an expert episode"):
        read_episode(tmp_path / "person")


def test_an_existing_episode_is_never_overwritten(tmp_path: Path):
    write_episode(tmp_path / "ep", frames(2), UTTERANCE, [POINTER[0]], task="t")
    with pytest.raises(RecordingError, match="already exists"):
        write_episode(tmp_path / "ep", frames(2), UTTERANCE, [POINTER[0]], task="t")


def test_the_packed_cache_is_rebuilt_only_when_recordings_are_newer(tmp_path: Path):
    for seed in (1, 2):
        write_episode(episode_dir(tmp_path, "t", seed), frames(2, seed), UTTERANCE, [POINTER[seed]], task="t")
    first = load_task(tmp_path, "t")
    assert [int(k) for k in first.kinds] == [1, 2]  # dblclick, move
    cache = tmp_path / "t.npz"
    os.utime(cache, ns=(cache.stat().st_atime_ns, cache.stat().st_mtime_ns + 10**9))  # clearly newer
    built = cache.stat().st_mtime_ns
    assert len(load_task(tmp_path, "t")) == 2 and cache.stat().st_mtime_ns == built  # served from the cache
    write_episode(episode_dir(tmp_path, "t", 3), frames(2, 3), UTTERANCE, [POINTER[3]], task="t")
    os.utime(tmp_path / "t", ns=(built + 10**9, built + 10**9))
    again = load_task(tmp_path, "t")
    assert [int(k) for k in again.kinds] == [1, 2, 3]
    assert [p.name for p in episode_dirs(tmp_path, "t")] == ["0000001", "0000002", "0000003"]


def test_a_damaged_cache_is_rebuilt_from_the_recordings(tmp_path: Path):
    write_episode(episode_dir(tmp_path, "t", 1), frames(2, 1), UTTERANCE, [POINTER[1]], task="t")
    cache = tmp_path / "t.npz"
    cache.write_bytes(b"half a zip file")
    os.utime(cache, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))  # newer than the recordings
    assert [int(k) for k in load_task(tmp_path, "t").kinds] == [1]
    assert load_task(tmp_path, "t").kinds.tolist() == [1]  # and the cache was rewritten whole


def test_a_task_without_recordings_has_no_cache_to_load(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="no episode recordings"):
        load_task(tmp_path, "click-button")


@pytest.mark.x11  # a real headless Chromium
def test_collected_episodes_read_back_as_the_same_rows_as_in_memory(tmp_path: Path):
    made, stats = collect("click-button", EXPERTS["click-button"], range(1, 4), out=tmp_path)
    assert stats.successes == 3 and len(episode_dirs(tmp_path, "click-button")) == 3
    with Recording.open(episode_dir(tmp_path, "click-button", 1)) as rec:
        assert rec.meta.apps == ("miniwob:click-button",) and rec.meta.sop == made.utterances[0]
    back = load_task(tmp_path, "click-button")
    assert back.utterances == made.utterances
    assert np.array_equal(back.frames, made.frames)
    for name in ("kinds", "xy", "keys", "spans", "steps"):
        assert np.array_equal(getattr(back, name), getattr(made, name)), name
    with Recording.open(episode_dir(tmp_path, "click-button", 2)) as rec:
        assert [type(a.action) for a in rec.actions] == [Click] * len(read_episode(rec.root))


@pytest.mark.x11  # a real headless Chromium
def test_a_task_is_recorded_up_to_its_minimum_rows_once_and_then_left_alone(tmp_path: Path):
    first = record_task("click-button", tmp_path, episodes=3, min_rows=5, max_episodes=8)
    assert first is not None and first.rows == 2  # 3 one-click episodes, then the 2 more that 5 rows need
    assert [p.name for p in episode_dirs(tmp_path, "click-button")][-1] == "0000005"
    assert len(load_task(tmp_path, "click-button")) == 5 and cache_path(tmp_path, "click-button").exists()
    assert record_task("click-button", tmp_path, episodes=3, min_rows=5, max_episodes=8) is None
