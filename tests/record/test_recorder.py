"""The recorder against a scripted human in real apps: what it derives is what the human meant."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.apps.eventpage import EventPage

from deskhand.desktop import Drag, XvfbDesktop
from deskhand.desktop.action import Click, Scroll, TypeText
from deskhand.desktop.apps import chromium, mousepad_env
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman
from deskhand.record.recorder import RecordConfig, Recorder

pytestmark = pytest.mark.x11

FILE_MENU = (19, 12)  # Mousepad's menu bar and File menu, from the window's top-left corner
SAVE_AS_ITEM = (60, 188)
SAVE_BUTTON = (-51, -25)  # the Save As dialog's Save button, from the dialog's bottom-right corner
PASSWORD = "Hunter2-Zq9xK"


def _wait(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _matches(derived, intended) -> bool:
    """Same kind, same text or combo, target within 3 px."""
    if type(derived) is not type(intended):
        return False
    if isinstance(intended, Click):
        return (
            abs(derived.x - intended.x) <= 3
            and abs(derived.y - intended.y) <= 3
            and derived.count == intended.count
        )
    if isinstance(intended, Drag | Scroll):
        start = derived.path[0] if isinstance(derived, Drag) else (derived.x, derived.y)
        goal = intended.path[0] if isinstance(intended, Drag) else (intended.x, intended.y)
        return abs(start[0] - goal[0]) <= 3 and abs(start[1] - goal[1]) <= 3
    return derived == intended


def _letter_job(desktop: XvfbDesktop, human: ScriptedHuman, saved: Path) -> None:
    """Thirteen steps in Mousepad: type a letter, save it through the File menu's Save As dialog, edit, save."""
    window = desktop.wait_for_window("Mousepad")
    desktop.wait_until_stable()
    human.click(window.x + 200, window.y + 200)
    human.type("Dear Zoë,\nYour refund of 42 € is approved.\n")
    human.click(window.x + FILE_MENU[0], window.y + FILE_MENU[1])
    desktop.wait_until_stable()
    human.click(window.x + SAVE_AS_ITEM[0], window.y + SAVE_AS_ITEM[1])
    dialog = desktop.wait_for_window("Save As")
    desktop.wait_until_stable()
    human.press("ctrl+a")
    human.type(str(saved))
    desktop.wait_until_stable()
    human.click(dialog.x + dialog.width + SAVE_BUTTON[0], dialog.y + dialog.height + SAVE_BUTTON[1])
    _wait(lambda: saved.exists(), what="Save As to write the file")
    desktop.wait_until_stable()
    human.press("ctrl+End")
    human.type("Thanks — 東京 ✓")
    human.press("ctrl+s")
    _wait(lambda: saved.read_text(encoding="utf-8").endswith("✓"), what="the second save")


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (5120, 2880)], ids=lambda v: str(v))
def test_recorded_actions_match_what_the_scripted_human_meant(tmp_path, width, height):
    saved = tmp_path / "letter.txt"
    with XvfbDesktop(width, height) as desktop:
        desktop.launch(["mousepad"], env=mousepad_env(tmp_path / "home"))
        human = ScriptedHuman(desktop, time_scale=0.15, seed=1)
        with Recorder(desktop, tmp_path / "rec", RecordConfig(fps=10), apps=["mousepad"]) as recorder:
            _letter_job(desktop, human, saved)
            path = recorder.stop()

    assert saved.read_text(encoding="utf-8") == "Dear Zoë,\nYour refund of 42 € is approved.\nThanks — 東京 ✓"
    recording = Recording.open(path)
    derived = [a.action for a in recording.actions]
    assert len(human.intended) >= 10
    assert len(derived) == len(human.intended), f"derived {derived}\nintended {human.intended}"
    mismatches = [(d, i) for d, i in zip(derived, human.intended, strict=True) if not _matches(d, i)]
    assert not mismatches
    assert recording.meta.display.width == width
    clicks = [
        (a, f) for a, f in zip(recording.actions, recording.files, strict=True) if isinstance(a.action, Click)
    ]
    assert all(f.frame_png and f.crop_png for _, f in clicks), "every click keeps its before-frame and a crop"
    assert all(a.window.wm_class == "Mousepad" for a, _ in clicks[:2])


def _files_containing(root: Path, needle: str) -> list[Path]:
    encodings = [needle.encode("utf-8"), needle.encode("utf-16-le"), needle.encode("utf-16-be")]
    return [p for p in root.rglob("*") if p.is_file() and any(e in p.read_bytes() for e in encodings)]


def _password_page_job(desktop, page, human, hotkey: bool) -> None:
    _wait(lambda: any(e["type"] == "ready" for e in page.events()), what="page load")
    desktop.wait_until_stable()
    human.click(100, 80)  # the page's textarea; the password field is below it
    human.type("user zoe")
    human.click(140, 232)
    if hotkey:
        human.press("ctrl+alt+s", record=False)
    human.type_secret(PASSWORD)
    if hotkey:
        human.press("ctrl+alt+s", record=False)
    human.click(100, 80)
    human.type(" done")
    _wait(
        lambda: any(e.get("value") == "user zoe done" for e in page.events()), what="typing after the secret"
    )


@pytest.mark.parametrize("hotkey", [True, False], ids=["secret-mode-hotkey", "masked-field-detected"])
def test_a_password_reaches_no_file_of_the_recording(tmp_path, hotkey):
    with EventPage(tmp_path / "page.jsonl") as page, XvfbDesktop(1280, 800) as desktop:
        desktop.launch(chromium(page.url, tmp_path / "profile"))
        human = ScriptedHuman(desktop, time_scale=0.15)
        with Recorder(desktop, tmp_path / "rec", RecordConfig()) as recorder:
            _password_page_job(desktop, page, human, hotkey)
            path = recorder.stop()

    assert not _files_containing(path, PASSWORD)
    assert not _files_containing(path, PASSWORD[:6])
    recording = Recording.open(path)
    texts = [a.action for a in recording.actions if isinstance(a.action, TypeText)]
    assert texts == [TypeText("user zoe"), TypeText("", secret=True), TypeText(" done")]
    assert recording.meta.secrets.count == 1
    assert list(recording.meta.secrets.sources) == (["hotkey"] if hotkey else ["masked_field"])
    secret_keys = [e for e in recording.events if e.secret]
    assert len(secret_keys) >= 2 * len(PASSWORD) and all(e.keysym == 0 and not e.char for e in secret_keys)


def test_typing_into_a_secret_window_is_blanked(tmp_path):
    with XvfbDesktop(1280, 800) as desktop:
        desktop.launch(["mousepad"], env=mousepad_env(tmp_path / "home"))
        window = desktop.wait_for_window("Mousepad")
        desktop.wait_until_stable()
        human = ScriptedHuman(desktop, time_scale=0.15)
        recorder = Recorder(desktop, tmp_path / "rec", RecordConfig(secret_windows=("Mouse[p]ad",)))
        recorder.start()
        human.click(window.x + 200, window.y + 200)
        human.type(PASSWORD)
        path = recorder.stop()
    assert not _files_containing(path, PASSWORD[:6])
    assert [a.action for a in Recording.open(path).actions][1:] == [TypeText("", secret=True)]


def test_the_stop_hotkey_ends_the_recording_and_is_not_recorded(tmp_path):
    with XvfbDesktop(800, 600) as desktop:
        human = ScriptedHuman(desktop, time_scale=0.05)
        recorder = Recorder(desktop, tmp_path / "rec", RecordConfig())
        recorder.start()
        human.click(100, 100)
        human.press("ctrl+alt+End", record=False)
        assert recorder.stop_requested.wait(5.0)
        path = recorder.stop()
    assert [a.action for a in Recording.open(path).actions] == [Click(100, 100)]


def test_recording_into_a_non_empty_directory_is_refused_and_loses_nothing(tmp_path):
    from deskhand.record.format import RecordingError

    out = tmp_path / "rec"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with XvfbDesktop(800, 600) as desktop, pytest.raises(RecordingError, match="not empty"):
        Recorder(desktop, out, RecordConfig()).start()
    assert (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
