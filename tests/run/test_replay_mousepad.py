"""Record the scripted human in Mousepad once, learn, and replay with new inputs on other screens.

Success is read from the file Mousepad saved, never from our own screenshots.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deskhand.desktop import Drag, XvfbDesktop
from deskhand.learn.compile import learn
from deskhand.learn.skill import check_skill, save_skill
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.run.runner import Runner
from deskhand.scenarios import letter
from deskhand.vision.ocr import Ocr

pytestmark = pytest.mark.x11

NEW = letter.ROWS[0]


@pytest.fixture(scope="module")
def ocr():
    return Ocr()


@pytest.fixture(scope="module")
def skill_dir(tmp_path_factory, ocr):
    """The scripted human writes a two-line letter and saves it, at 1920x1080."""
    tmp = tmp_path_factory.mktemp("mousepad-skill")
    with XvfbDesktop(1920, 1080) as desktop, letter.open_app(desktop, tmp) as app:
        human = ScriptedHuman(desktop, time_scale=0.15, seed=2)
        with Recorder(desktop, tmp / "rec", RecordConfig()) as recorder:
            letter.perform(human, app)
            assert letter.check(app, letter.RECORDED) is None
            path = recorder.stop()
    skill, crops = learn([Recording.open(path)], ocr, "letter")
    return save_skill(skill, tmp / "skill", crops)


def _replay(tmp_path: Path, skill_dir: Path, ocr, size=(1920, 1080), env=None, dpi=96, move=None):
    skill = check_skill(skill_dir)
    with XvfbDesktop(*size, dpi=dpi) as desktop, letter.open_app(desktop, tmp_path, env) as app:
        if move:
            window = app.window
            grab = (window.x + window.width // 2, window.y - 8)  # the title bar
            middle = (grab[0] + move[0] // 2, grab[1] + move[1] // 2)
            desktop.perform(Drag((grab, middle, (grab[0] + move[0], grab[1] + move[1]))))
            desktop.wait_until_stable()
        result = Runner(
            desktop, skill, skill.bind(NEW), report_dir=tmp_path / "report", ocr=lambda: ocr
        ).run()
        assert result.ok, result.escalation
        assert letter.check(app, NEW) is None
    return result


def test_learned_skill_has_parameters_with_the_recorded_defaults(skill_dir):
    skill = check_skill(skill_dir)
    assert [(p.name, p.default) for p in skill.parameters] == list(letter.RECORDED.items())
    assert [s.kind for s in skill.steps] == ["click", "type_text", "key_press", "type_text", "key_press"]
    assert skill.human_time > 0


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800), (5120, 2880)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_replay_with_new_inputs_on_screens_of_other_sizes(tmp_path, skill_dir, ocr, size):
    result = _replay(tmp_path, skill_dir, ocr, size=size)
    assert result.speedup is not None  # how large it is, bench/replay.py measures


def test_replay_after_the_window_was_moved(tmp_path, skill_dir, ocr):
    _replay(tmp_path, skill_dir, ocr, move=(-400, -200))


@pytest.mark.parametrize(
    "env", [{"GDK_DPI_SCALE": "1.25"}, {"GTK_THEME": "Adwaita:dark"}], ids=["larger-font", "dark-theme"]
)
def test_replay_with_another_font_size_or_theme(tmp_path, skill_dir, ocr, env):
    _replay(tmp_path, skill_dir, ocr, env=env)


def test_replay_on_a_2x_hidpi_screen(tmp_path, skill_dir, ocr):
    """Recorded at 96 dpi, run at 192 dpi: GTK draws everything twice as large."""
    _replay(tmp_path, skill_dir, ocr, size=(2560, 1600), dpi=192)
