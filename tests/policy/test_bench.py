"""The bench's figures: per-task summary, people's figures, and honest gaps."""

from __future__ import annotations

import numpy as np
import pytest

from deskhand.policy.base import Kind, Observation, Policy, PolicyAction
from deskhand.policy.bench import (
    Episode,
    Human,
    Latency,
    Watched,
    klm_seconds,
    latency,
    not_attempted,
    read_humans,
    report,
    summarize,
)
from deskhand.record.human import KLM


def test_summary_gives_success_steps_and_people_over_ours_time_ratio():
    eps = [Episode(True, 1, 0.2, [0.002]), Episode(False, 30, 0.6, [0.004] * 30)]
    r = summarize("click-button", eps, Human(0.98, 1.6))
    assert r.success == 0.5 and r.mean_steps == 15.5
    assert abs(r.human_over_ours - 1.6 / 0.4) < 1e-9  # type: ignore[operator]
    assert r.mean_inference_ms is not None and 3.9 < r.mean_inference_ms < 4.0


def test_people_are_compared_with_our_successful_episodes_only_as_their_median_is():
    eps = [
        Episode(True, 2, 0.2, [0.002], klm_s=4.0),
        Episode(True, 2, 0.4, [0.002], klm_s=6.0),
        Episode(False, 30, 3.0, [0.004] * 30, klm_s=60.0),
    ]
    r = summarize("click-tab-2", eps, Human(0.97, 4.8))
    assert r.median_success_s is not None and abs(r.median_success_s - 0.3) < 1e-9
    assert abs(r.human_over_ours_success - 4.8 / 0.3) < 1e-9  # type: ignore[operator]
    assert abs(r.human_over_ours - 4.8 / 1.2) < 1e-9  # type: ignore[operator]  # the harsher figure stays
    assert r.klm_median_s == 5.0 and abs(r.klm_over_ours_success - 5.0 / 0.3) < 1e-9  # type: ignore[operator]


def test_a_task_never_won_has_no_speed_ratio():
    r = summarize("book-flight", [Episode(False, 30, 2.0, [0.01], klm_s=40.0)], Human(0.87, 17.4))
    assert (
        r.median_success_s is None and r.human_over_ours_success is None and r.klm_over_ours_success is None
    )
    assert r.human_over_ours is not None


def test_klm_counts_a_drag_as_press_point_release_and_a_move_as_nothing():
    k = KLM()
    drag = [
        PolicyAction(Kind.MOUSEDOWN, 10, 10),
        PolicyAction(Kind.MOVE, 50, 10),
        PolicyAction(Kind.MOUSEUP, 90, 10),
    ]
    assert abs(klm_seconds(drag) - (k.M + k.P + k.B + k.P + k.B)) < 1e-9


def test_klm_charges_a_hand_move_each_time_the_device_changes():
    k = KLM()
    acts = [
        PolicyAction(Kind.CLICK, 5, 5),
        PolicyAction(Kind.TYPE, text="abc"),
        PolicyAction(Kind.KEY, key="<Enter>"),
    ]
    typed = k.H + k.M + 3 * k.K + k.K
    assert abs(klm_seconds(acts) - (k.M + k.P + 2 * k.B + typed)) < 1e-9
    back = [*acts, PolicyAction(Kind.SCROLL_DOWN, 5, 5)]
    assert abs(klm_seconds(back) - klm_seconds(acts) - (k.H + k.B)) < 1e-9


def test_a_task_without_a_policy_is_not_attempted_and_has_no_numbers():
    r = not_attempted("drag-box", Human(0.99, None), "no expert yet")
    assert not r.attempted and r.success is None and r.mean_steps is None
    doc = report([r, summarize("a", [Episode(True, 1, 0.1, [0.001])], None)], {})
    assert doc["attempted"] == 1 and doc["total"] == 2
    assert doc["mean_success_attempted"] == 1.0 and doc["mean_success_all_tasks_unattempted_as_0"] == 0.5


def test_report_says_how_far_klm_overshoots_people_where_both_are_known():
    fast = summarize("a", [Episode(True, 1, 0.1, [0.001], klm_s=3.0)], Human(0.9, 1.5))
    slow = summarize("b", [Episode(True, 1, 0.1, [0.001], klm_s=12.0)], Human(0.9, 4.0))
    untimed = summarize("c", [Episode(True, 1, 0.1, [0.001], klm_s=50.0)], Human(0.9, None))
    assert report([fast, slow, untimed], {})["klm_over_people_median"] == 2.5
    assert report([untimed], {})["klm_over_people_median"] is None


def test_people_csv_blank_cells_are_none(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("task,human_success,human_median_s\nscroll-text-2,0.97,\n")
    assert read_humans(path) == {"scroll-text-2": Human(0.97, None)}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("name,success\nclick-button,0.9\n", "no task, human_success, human_median_s column"),
        ("task,human_success,human_median_s\nclick-button,0.98,1.6\nclick-link,high,2\n", "line 3"),
    ],
)
def test_a_people_csv_of_another_shape_is_refused_with_its_name(tmp_path, text, says):
    path = tmp_path / "h.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=says) as caught:
        read_humans(path)
    assert str(path) in str(caught.value)


def test_report_gives_the_median_and_range_of_the_tasks_isolated_latencies():
    runs = [
        summarize(t, [Episode(True, 1, 0.1, [0.001])], None, Latency(first, step))
        for t, first, step in zip("abc", (9.0, 7.0, 12.0), (5.0, 6.0, 4.0), strict=True)
    ]
    doc = report([*runs, summarize("d", [Episode(True, 1, 0.1, [0.001])], None)], {})
    assert doc["inference_ms_median_isolated"] == 9.0 and doc["inference_ms_isolated_range"] == [7.0, 12.0]
    assert doc["step_ms_median_isolated"] == 5.0 and doc["step_ms_isolated_range"] == [4.0, 6.0]


class _Counting(Policy):
    def __init__(self) -> None:
        self.resets, self.seen = 0, list[str]()

    def reset(self) -> None:
        self.resets += 1

    def act(self, obs: Observation) -> PolicyAction:
        self.seen.append(obs.utterance)
        return PolicyAction(Kind.MOVE)


def test_watched_keeps_the_screens_of_its_first_episodes_in_order():
    screen = np.zeros((4, 4, 3), np.uint8)
    watched = Watched(_Counting(), keep=2)
    for episode, steps in zip("abc", (3, 1, 2), strict=True):
        watched.reset()
        for step in range(steps):
            watched.act(Observation(screen, f"{episode}{step}"))
    assert [[o.utterance for o in e] for e in watched.episodes] == [["a0", "a1", "a2"], ["b0"]]
    assert watched.policy.seen[-2:] == ["c0", "c1"]  # a later episode is still played, only not kept


class _Costly(_Counting):
    """Takes 4 ms on an episode's first step and 1 ms on a later one, on its own clock."""

    def __init__(self) -> None:
        super().__init__()
        self.now, self.fresh = 0.0, True

    def reset(self) -> None:
        super().reset()
        self.fresh = True

    def act(self, obs: Observation) -> PolicyAction:
        self.now += 0.004 if self.fresh else 0.001
        self.fresh = False
        return super().act(obs)


def test_latency_times_first_steps_alone_and_every_step_in_whole_episodes():
    screen = np.zeros((4, 4, 3), np.uint8)
    episodes = [[Observation(screen, f"{e}{i}") for i in range(n)] for e, n in (("a", 3), ("b", 1))]
    inner = _Costly()
    alone = latency(inner, episodes, calls=4, clock=lambda: inner.now)
    assert alone.first_ms == pytest.approx(4.0) and alone.step_ms == pytest.approx(2.5)  # (4 + 1 + 1 + 4) / 4
    after_warm_up = inner.seen[3:]
    assert after_warm_up[:4] == ["a0", "b0", "a0", "b0"]  # first steps: each episode's first screen in turn
    assert after_warm_up[4:] == ["a0", "a1", "a2", "b0"]  # then whole episodes until 4 steps are timed


def test_latency_without_a_screen_to_time_on_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one screen"):
        latency(_Counting(), [])
    with pytest.raises(ValueError, match="at least one screen"):
        latency(_Counting(), [[]])
