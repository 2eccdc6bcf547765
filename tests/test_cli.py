import json

import cv2
import pytest
from typer.testing import CliRunner

from deskhand.cli import app

runner = CliRunner()


def test_doctor_json_lists_checks_with_fixes_and_an_overall_verdict():
    result = runner.invoke(app, ["doctor", "--json"])
    report = json.loads(result.stdout)
    assert set(report) == {"checks", "ok"}
    names = {c["name"] for c in report["checks"]}
    assert {"xvfb", "window manager", "chromium", "chromedriver", "encoder libx264", "ocr models"} <= names
    assert all({"name", "ok", "fix"} <= set(c) for c in report["checks"])
    assert result.exit_code == (0 if report["ok"] else 1)


def test_doctor_fails_and_names_the_fix_when_a_required_part_is_missing(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = runner.invoke(app, ["doctor", "--json"])
    report = json.loads(result.stdout)
    xvfb = next(c for c in report["checks"] if c["name"] == "xvfb")
    assert (xvfb["ok"], xvfb["fix"]) == (False, "apt-get install -y xvfb")
    assert report["ok"] is False and result.exit_code == 1


@pytest.mark.parametrize("size", ["100x100", "big", "99999x99999"])
def test_desktop_refuses_a_bad_size_with_exit_2_and_no_traceback(size):
    result = runner.invoke(app, ["desktop", "--size", size])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.mark.x11
def test_desktop_launches_an_app_and_saves_a_screenshot_of_the_right_size(tmp_path):
    shot = tmp_path / "shot.png"
    result = runner.invoke(
        app, ["desktop", "--size", "1280x800", "--app", "mousepad", "--screenshot", str(shot)]
    )
    assert result.exit_code == 0, result.output
    assert cv2.imread(str(shot)).shape == (800, 1280, 3)


@pytest.mark.x11
def test_desktop_says_which_app_is_missing():
    result = runner.invoke(app, ["desktop", "--size", "640x480", "--app", "no-such-app"])
    assert result.exit_code == 2
    assert "no-such-app" in result.output and "Traceback" not in result.output
