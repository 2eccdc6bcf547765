"""The MiniWoB environment in a real headless Chromium, and the episode loop around it."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from deskhand.policy.base import Kind, Observation, PolicyAction
from deskhand.policy.bench import run_episode
from deskhand.policy.experts.dom import box, click, find
from deskhand.policy.miniwob import (
    BrowserError,
    DevTools,
    MiniwobConfig,
    MiniwobEnv,
    StepResult,
    UnknownTaskError,
    known_tasks,
    next_look,
)


def test_an_unknown_task_is_refused_by_name_before_a_browser_starts(monkeypatch):
    monkeypatch.setenv("MINIWOB_CHROME_BINARY", "/nonexistent")  # had it got that far: BrowserError
    with pytest.raises(
        UnknownTaskError, match=re.escape("no MiniWoB++ task named click-buton (did you mean click-button?)")
    ):
        MiniwobEnv(MiniwobConfig("click-buton"))
    assert {"click-button", "book-flight", "use-slider"} <= known_tasks()


@pytest.mark.x11  # a real browser, started by the test; no display needed (headless)
def test_settle_returns_the_screen_once_a_fading_datepicker_holds_still():
    with MiniwobEnv(MiniwobConfig("choose-date-easy")) as env:
        env.reset(1)
        field = next(el for el in env.expert_dom() if el["id"] == "datepicker")
        fading = env.step(click(field)).obs  # the picker fades in over 400 ms
        settled = env.settle(fading)
        time.sleep(0.5)
        later = env.settle(settled)
    assert not np.array_equal(fading.screenshot, settled.screenshot)
    assert np.array_equal(settled.screenshot, later.screenshot)
    assert settled.utterance == fading.utterance


@pytest.mark.x11
def test_an_episode_starts_on_a_still_screen_though_the_last_was_left_mid_fade():
    with MiniwobEnv(MiniwobConfig("choose-date-easy")) as env:
        env.reset(1)
        field = next(el for el in env.expert_dom() if el["id"] == "datepicker")
        env.step(click(field))  # the picker starts to fade in, over 400 ms
        start = env.reset(2)
        time.sleep(0.5)
        later = env.settle(start)
    assert np.array_equal(start.screenshot, later.screenshot)


@pytest.mark.x11
def test_three_waits_after_typing_see_the_autocomplete_menu_shown_300_ms_after_the_last_key():
    # Waits counted in steps alone last as long as a step: in the bench, three passed before the
    # menu showed, and the net, which had learned from demonstrations to wait three times, gave up.
    with MiniwobEnv(MiniwobConfig("use-autocomplete")) as env:
        env.reset(1)
        field = next(el for el in env.expert_dom() if el["tag"] == "input_text")
        env.step(click(field))
        typed = env.step(PolicyAction(Kind.TYPE, text="a")).obs
        left, top, _, _ = box(field)
        wait, looked = PolicyAction(Kind.MOVE, x=left + 5, y=top + 5), typed
        for _ in range(3):
            looked = next_look(env, wait, env.step(wait).obs)
        menu = find(env.expert_dom(), lambda el: "ui-menu-item-wrapper" in str(el["classes"]))
    assert menu, "no menu after three waits"
    assert not np.array_equal(typed.screenshot, looked.screenshot)


@pytest.mark.x11
def test_a_wheel_tick_has_landed_when_its_step_returns_and_the_policy_gets_no_dom():
    with MiniwobEnv(MiniwobConfig("scroll-text-2")) as env:
        start = env.reset(1)
        raw, _ = env._env.instance.get_observation()
        assert len(raw["dom_elements"]) == 0  # the policy's observation: pixels and the utterance
        text = next(el for el in env.expert_dom() if el["id"] == "text-area")  # fetched apart, for experts
        left, top, width, height = box(text)
        scrolled = env.step(PolicyAction(Kind.SCROLL_DOWN, x=left + width / 2, y=top + height / 2)).obs
        time.sleep(0.3)
        later = env.settle(scrolled)
    assert not np.array_equal(start.screenshot, scrolled.screenshot)
    assert np.array_equal(scrolled.screenshot, later.screenshot)  # nothing still under way


@pytest.mark.x11
def test_a_look_has_miniwobs_own_screenshot_pixels_even_with_the_window_scrolled():
    from miniwob.screenshot import get_screenshot, pil_to_numpy_array

    with MiniwobEnv(MiniwobConfig("click-checkboxes")) as env:
        env.reset(1)
        instance = env._env.instance
        width, height = instance.task_width, instance.task_height

        def theirs() -> np.ndarray:
            shot = get_screenshot(instance.driver, instance.inner_width, instance.inner_height, width, height)
            return pil_to_numpy_array(shot)

        still = theirs()
        assert np.array_equal(instance.look(), still)
        instance.driver.execute_script("document.body.style.height = '3000px'; window.scrollTo(0, 40);")
        scrolled = env.step(PolicyAction(Kind.MOVE, x=5, y=5)).obs.screenshot  # the step reads the scroll
        assert np.array_equal(scrolled, theirs())
        assert not np.array_equal(scrolled, still)


class _Env:
    """Just enough of MiniwobEnv to count the looks the loop asks for."""

    config = MiniwobConfig("fake", max_steps=3)

    def __init__(self) -> None:
        self.settled = 0
        self.glanced: list[float] = []

    def reset(self, seed: int) -> Observation:
        return Observation(np.zeros((210, 160, 3), np.uint8), "wait, then click")

    def step(self, action: PolicyAction) -> StepResult:
        done = action.kind is Kind.CLICK
        return StepResult(self.reset(0), done=done, success=done, reward=float(done))

    def settle(self, obs: Observation, at_least_s: float = 0.0) -> Observation:
        self.settled += 1
        return obs

    def glance(self, obs: Observation, after_s: float) -> Observation:
        self.glanced.append(after_s)
        return Observation(obs.screenshot + 1, obs.utterance)


class _MoveThenClick:
    def __init__(self) -> None:
        self.kinds = iter([Kind.MOVE, Kind.CLICK])

    def reset(self) -> None:
        pass

    def act(self, obs: Observation) -> PolicyAction:
        return PolicyAction(next(self.kinds), x=5, y=5)


def test_a_pointer_move_waits_for_the_screen_to_settle_and_a_click_does_not():
    env = _Env()
    episode = run_episode(env, _MoveThenClick(), seed=1)  # type: ignore[arg-type]
    assert (episode.success, episode.steps, env.settled) == (True, 2, 1)


def test_demonstrations_and_the_bench_share_one_rule_for_when_to_wait():
    env, obs = _Env(), _Env().reset(0)
    next_look(env, PolicyAction(Kind.CLICK, x=5, y=5), obs)  # type: ignore[arg-type]
    next_look(env, PolicyAction(Kind.TYPE, text="a"), obs)  # type: ignore[arg-type]
    assert env.settled == 0
    next_look(env, PolicyAction(Kind.MOVE, x=5, y=5), obs)  # type: ignore[arg-type]
    assert env.settled == 1


def test_a_glance_looks_again_after_its_time_without_waiting_for_a_still_screen():
    env, obs = _Env(), _Env().reset(0)
    assert next_look(env, PolicyAction(Kind.MOVE, x=5, y=5, glance=0.0), obs) is obs  # type: ignore[arg-type]
    later = next_look(env, PolicyAction(Kind.MOVE, x=5, y=5, glance=0.05), obs)  # type: ignore[arg-type]
    assert (env.settled, env.glanced, int(later.screenshot[0, 0, 0])) == (0, [0.05], 1)


@pytest.mark.x11  # a real browser, started by the test; no display needed (headless)
def test_a_browser_that_is_gone_is_one_clear_browser_error_not_a_socket_trace():
    with pytest.raises(BrowserError, match="did not answer"):
        DevTools("127.0.0.1:9", "file:///nowhere.html", timeout_s=1)  # the discard port: nothing listens
    with MiniwobEnv(MiniwobConfig("click-button")) as env:
        env.reset(1)
        instance = env._env.instance
        instance.devtools.close()  # as when Chromium dies mid-episode
        with pytest.raises(BrowserError, match="stopped answering"):
            instance.look()


@pytest.mark.x11
def test_messages_sent_together_get_their_own_replies_in_order_and_a_bad_one_names_itself():
    with MiniwobEnv(MiniwobConfig("click-button")) as env:
        env.reset(1)
        devtools = env._env.instance.devtools
        asks = [("Runtime.evaluate", {"expression": f"{n} * 2", "returnByValue": True}) for n in (1, 2, 3)]
        replies = devtools.send(asks)
        assert [r["result"]["value"] for r in replies] == [2, 4, 6]
        assert devtools.send([]) == []
        with pytest.raises(BrowserError, match=r"Input\.noSuchMethod"):
            devtools.send([asks[0], ("Input.noSuchMethod", {})])
        assert devtools("Runtime.evaluate", expression="7", returnByValue=True)["result"]["value"] == 7
