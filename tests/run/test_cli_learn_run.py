"""`deskhand learn` and `deskhand run` as commands: exit codes, --json, and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deskhand.desktop import XvfbDesktop
from deskhand.record.human import ScriptedHuman
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.scenarios import letter

pytestmark = pytest.mark.x11


def deskhand(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home)} if home else None  # apps started by --app get a clean profile
    command = [sys.executable, "-m", "deskhand.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("letter-rec")
    with (
        XvfbDesktop(1280, 800) as desktop,
        letter.open_app(desktop, tmp) as app,
        Recorder(desktop, tmp / "rec", RecordConfig()) as recorder,
    ):
        letter.perform(ScriptedHuman(desktop, time_scale=0.1), app)
        assert letter.check(app, letter.RECORDED) is None
        return recorder.stop()


@pytest.fixture(scope="module")
def skill(recording, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("letter-skill") / "skill"
    result = deskhand("learn", str(recording), "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["steps"] == 5
    assert [p["name"] for p in summary["parameters"]] == ["text", "text_2"]
    return out


def test_run_with_an_app_and_inputs_prints_json_and_does_the_job(skill, tmp_path):
    target = tmp_path / "letter.txt"
    values = letter.ROWS[1]
    result = deskhand(
        "run",
        str(skill),
        "--size",
        "1280x800",
        "--app",
        f"mousepad {target}",
        "--json",
        "--input",
        f"text={values['text']}",
        "--input",
        f"text_2={values['text_2']}",
        "--trace",
        str(tmp_path / "trace.mp4"),
        "--report",
        str(tmp_path / "report"),  # an escalation's report stays out of the checkout
        home=tmp_path / "home",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["runs"][0]["speedup"] > 0
    assert report["runs"][0]["speedup_baseline"] == "the recorded human's time for the same job"
    assert target.read_text(encoding="utf-8") == letter.expected(values)
    assert (tmp_path / "trace.mp4").stat().st_size > 0


def test_a_run_that_cannot_find_its_target_exits_1_with_a_report(skill, tmp_path):
    result = deskhand(
        "run", str(skill), "--size", "800x600", "--step-timeout", "1", "--report", str(tmp_path / "r")
    )
    assert result.returncode == 1
    assert "stopped at step 0" in result.stdout
    assert (tmp_path / "r" / "row-1" / "index.html").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "nope=1"], "unknown input"),
        (["--input", "text"], "NAME=VALUE"),
        (["--size", "10x10"], "cannot make"),
    ],
)
def test_bad_run_input_exits_2_with_a_clear_message(skill, args, message):
    result = deskhand("run", str(skill), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_broken_skill_is_refused_before_anything_runs(skill, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "skill.yaml").write_text(
        (skill / "skill.yaml").read_text().replace("crops/step_000", "crops/gone")
    )
    result = deskhand("run", str(broken), "--size", "800x600")
    assert result.returncode == 2
    assert "missing or unreadable" in result.stderr and "Traceback" not in result.stderr


def test_learning_from_a_foreign_directory_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    result = deskhand("learn", str(tmp_path), "--out", str(tmp_path / "skill"))
    assert result.returncode == 2
    assert "meta.json" in result.stderr and "Traceback" not in result.stderr
