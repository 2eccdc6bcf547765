import json
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def test_train_names_an_unwritable_weights_file_before_recording_or_training(tmp_path):
    (tmp_path / "tasks.txt").write_text("click-button\n")
    (tmp_path / "taken").write_text("a file, not a folder")
    args = ["train", "--tasks", str(tmp_path / "tasks.txt"), "--demos", str(tmp_path / "demos")]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "taken" / "w.pt")])
    assert result.exit_code == 2, result.output
    assert f"cannot write the weights to {tmp_path / 'taken' / 'w.pt'}" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "demos").exists()


def test_train_names_a_folder_among_the_demonstrations_that_is_not_an_episode(tmp_path):
    (tmp_path / "click-button" / "notes").mkdir(parents=True)
    (tmp_path / "tasks.txt").write_text("click-button\n")
    result = runner.invoke(app, ["train", "--tasks", str(tmp_path / "tasks.txt"), "--demos", str(tmp_path)])
    assert result.exit_code == 2
    assert "notes: not an episode recording" in result.output
    assert (tmp_path / "click-button" / "notes").is_dir()  # nothing of the person's is touched


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        children = Path(f"/proc/{todo.pop()}/task")
        for task in children.glob("*/children") if children.exists() else []:
            for child in task.read_text().split():
                found.add(int(child))
                todo.append(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status  # a zombie has exited; only its exit code is left


@pytest.mark.x11
def test_sigterm_closes_the_desktop_and_apps_a_command_started():
    command = [
        sys.executable,
        "-m",
        "deskhand.cli",
        "desktop",
        "--size",
        "640x480",
        "--app",
        "mousepad",
        "--hold",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        assert "holding" in lines[-1], lines
        started = _descendants(proc.pid)
        assert len(started) >= 3, started  # Xvfb, the window manager, Mousepad
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    finally:
        proc.kill()
    deadline = time.monotonic() + 5
    while (left := {p for p in started if _alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"still running after SIGTERM: {left}"
    assert proc.returncode == 128 + signal.SIGTERM


@pytest.mark.x11  # headless Chromium, one per task, started by the bench's worker processes
def test_bench_miniwob_fills_every_listed_task_from_fresh_worker_processes(tmp_path):
    (tmp_path / "tasks.txt").write_text("click-button\nclick-dialog-2\n")
    out = tmp_path / "miniwob.json"
    tasks = str(tmp_path / "tasks.txt")
    args = ["--tasks", tasks, "--episodes", "2", "--jobs", "2", "--out", str(out), "--json"]
    result = runner.invoke(app, ["bench", "miniwob", *args])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert [t["task"] for t in doc["tasks"]] == ["click-button", "click-dialog-2"]
    assert all(t["attempted"] and t["episodes"] == 2 and 0 <= t["success"] <= 1 for t in doc["tasks"])
    assert doc["inference_ms_median_isolated"] > 0
    assert all(t["isolated_inference_ms"] > 0 for t in doc["tasks"])  # timed on each task's own screens
    assert doc["step_ms_median_isolated"] > 0 and all(t["isolated_step_ms"] > 0 for t in doc["tasks"])


@pytest.mark.x11
def test_bench_miniwob_table_names_its_speed_baselines_and_the_tasks_the_weights_never_saw(tmp_path):
    (tmp_path / "tasks.txt").write_text("click-button\ntext-transform\n")
    out, empty = tmp_path / "miniwob.json", tmp_path / "no-demos"
    args = [
        "--tasks",
        str(tmp_path / "tasks.txt"),
        "--episodes",
        "1",
        "--out",
        str(out),
        "--demos",
        str(empty),
    ]
    result = runner.invoke(app, ["bench", "miniwob", *args])
    assert result.exit_code == 0, result.output
    assert "people/ours" in result.output and "Keystroke-Level-Model" in result.output
    notes = {t["task"]: t["note"] for t in json.loads(out.read_text())["tasks"]}
    assert notes == {"click-button": "", "text-transform": "no demonstrations of this task were trained on"}


@pytest.mark.parametrize("flag", ["--jobs", "--episodes"])
def test_bench_miniwob_refuses_zero_jobs_or_episodes_with_exit_2_and_no_traceback(flag):
    result = runner.invoke(app, ["bench", "miniwob", flag, "0"])
    assert result.exit_code == 2
    assert flag in result.output and "Traceback" not in result.output


POLICY_COMMANDS = [["train", "--minutes", "0.1"], ["bench", "miniwob", "--episodes", "1"]]


def _without_chromium(tmp_path: Path, command: list[str], tasks: str):
    """`command` on a task list of `tasks`, demonstrations and results under tmp_path, no Chromium."""
    (tmp_path / "tasks.txt").write_text(tasks)
    args = [*command, "--tasks", str(tmp_path / "tasks.txt"), "--demos", str(tmp_path / "demos")]
    if command[0] == "bench":
        args += ["--out", str(tmp_path / "miniwob.json")]
    return runner.invoke(app, args, env={"MINIWOB_CHROME_BINARY": str(tmp_path / "no-chromium")})


@pytest.mark.parametrize("command", POLICY_COMMANDS)
def test_train_and_the_miniwob_bench_name_a_misspelt_task_before_starting_a_browser(tmp_path, command):
    result = _without_chromium(tmp_path, command, "click-button\nclik-link\n")
    assert result.exit_code == 2, result.output
    assert "no MiniWoB++ task named clik-link (did you mean click-link" in result.output
    assert "Traceback" not in result.output and "no Chromium" not in result.output
    assert not (tmp_path / "demos").exists() and not (tmp_path / "miniwob.json").exists()


def test_bench_miniwob_names_an_unwritable_out_before_running_a_task(tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    (tmp_path / "tasks.txt").write_text("click-button\n")
    out = tmp_path / "taken" / "m.json"
    result = runner.invoke(
        app, ["bench", "miniwob", "--tasks", str(tmp_path / "tasks.txt"), "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert f"cannot write the results to {out}" in result.output and "Traceback" not in result.output
    assert "success" not in result.output  # no task was run


def test_bench_miniwob_refuses_a_people_csv_of_another_shape_before_running(tmp_path):
    (tmp_path / "people.csv").write_text("name,success\nclick-button,0.9\n")
    (tmp_path / "tasks.txt").write_text("click-button\n")
    files = {"--humans": "people.csv", "--tasks": "tasks.txt", "--out": "m.json"}
    result = runner.invoke(
        app, ["bench", "miniwob", *(a for k, v in files.items() for a in (k, str(tmp_path / v)))]
    )
    assert result.exit_code == 2, result.output
    assert "people.csv: no task, human_success, human_median_s column" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "m.json").exists()


@pytest.mark.parametrize("command", POLICY_COMMANDS)
def test_train_and_the_miniwob_bench_name_a_missing_browser_in_one_line(tmp_path, command):
    result = _without_chromium(tmp_path, command, "click-button\nclick-link\n")
    assert result.exit_code == 2, result.output
    assert f"no Chromium at {tmp_path / 'no-chromium'}" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "demos").exists()
