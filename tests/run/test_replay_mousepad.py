"""Record the scripted human in Mousepad once, learn, and replay with new inputs on other screens.

Success is read from the file Mousepad saved, never from our own screenshots.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from deskhand.desktop import Drag, XvfbDesktop
from deskhand.desktop.apps import mousepad_env
from deskhand.learn.compile import learn
from deskhand.learn.skill import check_skill, save_skill
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.run.runner import Runner
from deskhand.vision.ocr import Ocr

pytestmark = pytest.mark.x11

NEW = {"text": "Dear Bob Ng,", "text_2": "Your refund of 7 € is on its way — 東京 ✓"}


def _wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.fixture(scope="module")
def ocr():
    return Ocr()


@pytest.fixture(scope="module")
def skill_dir(tmp_path_factory, ocr):
    """The scripted human writes a two-line letter and saves it, at 1920x1080."""
    tmp = tmp_path_factory.mktemp("mousepad-skill")
    saved = tmp / "letter.txt"
    with XvfbDesktop(1920, 1080) as desktop:
        desktop.launch(["mousepad", str(saved)], env=mousepad_env(tmp / "home"))
        window = desktop.wait_for_window("letter.txt")
        desktop.wait_until_stable()
        human = ScriptedHuman(desktop, time_scale=0.15, seed=2)
        with Recorder(desktop, tmp / "rec", RecordConfig()) as recorder:
            human.click(window.x + 200, window.y + 200)
            human.type("Dear Zoë,\nYour refund of 42 € is approved.")
            human.press("ctrl+s")
            _wait_for(lambda: saved.exists())
            path = recorder.stop()
    skill, crops = learn([Recording.open(path)], ocr, "letter")
    return save_skill(skill, tmp / "skill", crops)


def _replay(tmp_path: Path, skill_dir: Path, ocr, size=(1920, 1080), env=None, move=None):
    out = tmp_path / "reply.txt"
    skill = check_skill(skill_dir)
    with XvfbDesktop(*size) as desktop:
        desktop.launch(["mousepad", str(out)], env={**mousepad_env(tmp_path / "home"), **(env or {})})
        window = desktop.wait_for_window("reply.txt")
        desktop.wait_until_stable()
        if move:
            grab = (window.x + window.width // 2, window.y - 8)  # the title bar
            desktop.perform(
                Drag(
                    (
                        grab,
                        (grab[0] + move[0] // 2, grab[1] + move[1] // 2),
                        (grab[0] + move[0], grab[1] + move[1]),
                    )
                )
            )
            desktop.wait_until_stable()
        result = Runner(
            desktop, skill, skill.bind(NEW), report_dir=tmp_path / "report", ocr=lambda: ocr
        ).run()
        assert result.ok, result.escalation
        _wait_for(lambda: out.exists() and out.read_text(encoding="utf-8").endswith("✓"))
    assert out.read_text(encoding="utf-8") == f"{NEW['text']}\n{NEW['text_2']}"
    return result


def test_learned_skill_has_parameters_with_the_recorded_defaults(skill_dir):
    skill = check_skill(skill_dir)
    assert [(p.name, p.default) for p in skill.parameters] == [
        ("text", "Dear Zoë,"),
        ("text_2", "Your refund of 42 € is approved."),
    ]
    assert [s.kind for s in skill.steps] == ["click", "type_text", "key_press", "type_text", "key_press"]
    assert skill.human_time > 0


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800), (5120, 2880)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_replay_with_new_inputs_on_screens_of_other_sizes(tmp_path, skill_dir, ocr, size):
    result = _replay(tmp_path, skill_dir, ocr, size=size)
    assert result.speedup and result.speedup > 1


def test_replay_after_the_window_was_moved(tmp_path, skill_dir, ocr):
    _replay(tmp_path, skill_dir, ocr, move=(-400, -200))


@pytest.mark.parametrize(
    "env", [{"GDK_DPI_SCALE": "1.25"}, {"GTK_THEME": "Adwaita:dark"}], ids=["larger-font", "dark-theme"]
)
def test_replay_with_another_font_size_or_theme(tmp_path, skill_dir, ocr, env):
    _replay(tmp_path, skill_dir, ocr, env=env)
