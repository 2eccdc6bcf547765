"""The bench's figures: per-task summary, people's figures, and honest gaps."""

from __future__ import annotations

from deskhand.policy.bench import Episode, Human, not_attempted, read_humans, report, summarize


def test_summary_gives_success_steps_and_people_over_ours_time_ratio():
    eps = [Episode(True, 1, 0.2, [0.002]), Episode(False, 30, 0.6, [0.004] * 30)]
    r = summarize("click-button", eps, Human(0.98, 1.6))
    assert r.success == 0.5 and r.mean_steps == 15.5
    assert abs(r.human_over_ours - 1.6 / 0.4) < 1e-9  # type: ignore[operator]
    assert r.mean_inference_ms is not None and 3.9 < r.mean_inference_ms < 4.0


def test_a_task_without_a_policy_is_not_attempted_and_has_no_numbers():
    r = not_attempted("drag-box", Human(0.99, None), "no expert yet")
    assert not r.attempted and r.success is None and r.mean_steps is None
    doc = report([r, summarize("a", [Episode(True, 1, 0.1, [0.001])], None)], {})
    assert doc["attempted"] == 1 and doc["total"] == 2
    assert doc["mean_success_attempted"] == 1.0 and doc["mean_success_all_tasks_unattempted_as_0"] == 0.5


def test_people_csv_blank_cells_are_none(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("task,human_success,human_median_s\nscroll-text-2,0.97,\n")
    assert read_humans(path) == {"scroll-text-2": Human(0.97, None)}
