"""A run's checkpoint on disk, and what a run reports: its speed and, when it stops, why."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from deskhand.desktop.base import Frame
from deskhand.learn.skill import SkillError
from deskhand.run.checkpoint import Checkpoint
from deskhand.run.report import RunResult, StepReport, write_escalation

# -- checkpoint -------------------------------------------------------------------------------------------


def test_a_saved_checkpoint_loads_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "r1" / "checkpoint.json"
    checkpoint = Checkpoint("refund", 7, done=3, pending=4, values_read={"order_total": "42.50 €"})
    checkpoint.save(path)
    assert Checkpoint.load(path) == checkpoint


def test_a_fresh_checkpoint_loads_back_with_nothing_done(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.json"
    Checkpoint("refund", 7).save(path)
    loaded = Checkpoint.load(path)
    assert (loaded.done, loaded.pending, loaded.values_read) == (-1, None, {})


def test_saving_replaces_the_checkpoint_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.json"
    Checkpoint("refund", 7, done=1).save(path)
    Checkpoint("refund", 7, done=2, pending=3).save(path)
    assert Checkpoint.load(path) == Checkpoint("refund", 7, done=2, pending=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.json"]


def test_a_save_that_fails_halfway_leaves_the_old_checkpoint_whole(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.json"
    Checkpoint("refund", 7, done=2).save(path)
    broken = Checkpoint("refund", 7, done=3, values_read={"total": object()})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        broken.save(path)
    assert Checkpoint.load(path) == Checkpoint("refund", 7, done=2)


@pytest.mark.parametrize(
    "content",
    [
        b'{"skill": "refund", "steps": 7, "do',  # cut off mid-write
        b'{"skill": "refund", "steps": 7, "colour": "red"}',  # someone else's JSON
        b'{"format": "deskhand.skill"}',
        b"[1, 2, 3]",
        b'"refund"',
        b"\xff\xfe\x00garbage",
    ],
    ids=["truncated", "unknown key", "missing keys", "list", "string", "binary"],
)
def test_a_corrupt_or_foreign_checkpoint_is_refused_naming_its_path(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "checkpoint.json"
    path.write_bytes(content)
    with pytest.raises(SkillError, match="not a deskhand checkpoint") as caught:
        Checkpoint.load(path)
    assert str(caught.value).startswith(str(path))


def test_a_missing_checkpoint_is_refused_naming_its_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "checkpoint.json"
    with pytest.raises(SkillError, match="no such checkpoint") as caught:
        Checkpoint.load(path)
    assert str(path) in str(caught.value)


# -- speed report -----------------------------------------------------------------------------------------


def steps(*waits: tuple[float, float]) -> tuple[StepReport, ...]:
    return tuple(StepReport(i, "click", f"step {i}", wait_s=w, verify_s=v) for i, (w, v) in enumerate(waits))


def test_speedup_is_human_time_over_deskhand_time() -> None:
    result = RunResult("refund", True, steps((0.5, 1.0)), total_s=4.0, human_s=30.0)
    assert result.speedup == pytest.approx(7.5)


def test_app_bound_ratio_is_deskhand_time_over_time_spent_waiting_for_the_app() -> None:
    result = RunResult("refund", True, steps((0.5, 1.0), (0.25, 0.25)), total_s=4.0, human_s=30.0)
    assert result.app_wait_s == pytest.approx(2.0)
    assert result.app_bound_ratio == pytest.approx(2.0)


def test_a_failed_run_has_no_speedup() -> None:
    assert RunResult("refund", False, steps((0.5, 1.0)), total_s=4.0, human_s=30.0).speedup is None


@pytest.mark.parametrize(("total_s", "human_s"), [(0.0, 30.0), (4.0, 0.0)])
def test_a_speedup_with_no_time_to_divide_is_none(total_s: float, human_s: float) -> None:
    assert RunResult("refund", True, steps((0.5, 1.0)), total_s=total_s, human_s=human_s).speedup is None


def test_a_run_that_never_waited_for_the_app_has_no_app_bound_ratio() -> None:
    result = RunResult("refund", True, steps((0.0, 0.0), (0.0, 0.0)), total_s=4.0, human_s=30.0)
    assert result.app_wait_s == 0.0
    assert result.app_bound_ratio is None
    assert RunResult("refund", True, (), total_s=4.0, human_s=30.0).app_bound_ratio is None


def test_the_run_dict_names_the_speedup_baseline_and_is_json() -> None:
    result = RunResult("refund", True, steps((0.5, 1.0)), total_s=4.0, human_s=30.0)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["speedup"] == pytest.approx(7.5)
    assert data["speedup_baseline"] == "the recorded human's time for the same job"
    assert data["app_wait_s"] == pytest.approx(1.5)
    assert data["app_bound_ratio"] == pytest.approx(4.0 / 1.5)
    assert data["steps"][0]["note"] == "step 0"
    assert data["escalation"] is None


# -- escalation -------------------------------------------------------------------------------------------


def read_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, path
    return np.ascontiguousarray(image[:, :, ::-1])


def test_an_escalation_writes_what_deskhand_expected_and_what_it_saw(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (120, 200, 3), dtype=np.uint8)
    expected = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    root = write_escalation(
        tmp_path / "escalation",
        step=4,
        note="Click <b>Submit</b>",
        reason="2 equally good & near",
        screen=Frame(pixels, 1.5),
        expected=expected,
        best_box=(50, 40, 30, 20),
        best_score=0.8765432,
    )
    assert sorted(p.name for p in root.iterdir()) == [
        "best.png",
        "expected.png",
        "index.html",
        "report.json",
        "screen.png",
    ]
    np.testing.assert_array_equal(read_rgb(root / "screen.png"), pixels)
    np.testing.assert_array_equal(read_rgb(root / "expected.png"), expected)
    np.testing.assert_array_equal(read_rgb(root / "best.png"), pixels[40:60, 50:80])
    report = json.loads((root / "report.json").read_text(encoding="utf-8"))
    assert report == {
        "step": 4,
        "note": "Click <b>Submit</b>",
        "reason": "2 equally good & near",
        "best_candidate": {"box": [50, 40, 30, 20], "score": 0.8765},
        "files": {"screen": "screen.png", "expected": "expected.png", "best": "best.png"},
    }


def test_the_escalation_page_escapes_the_note_and_the_reason(tmp_path: Path) -> None:
    frame = Frame(np.full((40, 60, 3), 200, np.uint8), 0.0)
    root = write_escalation(tmp_path, 2, "Click <b>Save</b>", "<script>x</script>", frame, None, None, 0.0)
    page = (root / "index.html").read_text(encoding="utf-8")
    assert "Click &lt;b&gt;Save&lt;/b&gt;" in page
    assert "<b>Save</b>" not in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert "stopped at step 2" in page


def test_an_escalation_without_expected_or_best_writes_only_the_screen(tmp_path: Path) -> None:
    frame = Frame(np.full((40, 60, 3), 200, np.uint8), 0.0)
    root = write_escalation(tmp_path / "e", 0, "Press Return", "nothing changed", frame, None, None, 0.0)
    assert sorted(p.name for p in root.iterdir()) == ["index.html", "report.json", "screen.png"]
    report = json.loads((root / "report.json").read_text(encoding="utf-8"))
    assert report["files"] == {"screen": "screen.png"}
    assert report["best_candidate"] == {"box": None, "score": 0.0}
    assert "expected.png" not in (root / "index.html").read_text(encoding="utf-8")
