"""MiniWoB++ through headless Chromium, seen as pixels and driven by coordinates, keys and text only.

`to_miniwob` is the only way an action reaches the browser, and the action space it targets has no
element, focus or field action in it, so the DOM can never be used to act. An action reaches the
page as mouse and key events (`chrome_input`). The DOM is kept aside for the scripted experts that
make demonstrations (`expert_dom`), never handed to a policy.
"""

from __future__ import annotations

import base64
import difflib
import io
import json
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.request import urlopen

import numpy as np

from deskhand.policy.base import KEYS, WAIT_S, Kind, Observation, PolicyAction
from deskhand.policy.chrome_input import Pointer, events

EVAL_SEED = 1201539860  # evaluation seeds start here; demonstrations use seeds below TRAIN_SEED_LIMIT
TRAIN_SEED_LIMIT = 1_000_000
_FILLS_JS = (
    "var o = {}; for (var r in core.previousDOMInfo) { var e = core.previousDOMInfo[r];"
    " if (e.getAttribute && e.getAttribute('fill')) o[r] = e.getAttribute('fill'); } return o;"
)
# What the loop reads after each action, in one round trip where miniwob makes three: the verdict,
# the utterance, and the window's scroll for the screenshot's clip. It is a Runtime.evaluate on
# our own DevTools socket (`DevTools`), not chromedriver's execute_script.
_STATE_JS = (
    "({done: WOB_DONE_GLOBAL, env_reward: WOB_REWARD_GLOBAL, raw_reward: WOB_RAW_REWARD_GLOBAL,"
    " reason: WOB_REWARD_REASON, utterance: core.getUtterance(), x: window.scrollX, y: window.scrollY})"
)
NO_TIMER_MS = 2_000_000_000  # below 2**31 ms, or setTimeout fires at once
# Resolves once two frames have been drawn: a wheel's scroll, applied off the main thread, is on the screen.
_TWO_FRAMES_JS = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
# miniwob's own flags, plus frame pacing off: headless Chromium otherwise paces frames at 60 Hz and
# a screenshot waits about 40 ms for one; without the pacing it takes about 16 ms, same pixels.
CHROME_ARGS = (
    "headless",
    "disable-gpu",
    "no-sandbox",
    "disable-gpu-vsync",
    "disable-frame-rate-limit",
)

# Our kinds in the order of the miniwob action space built below.
_MINIWOB_TYPES: dict[Kind, str] = {
    Kind.MOVE: "MOVE_COORDS",
    Kind.CLICK: "CLICK_COORDS",
    Kind.DBLCLICK: "DBLCLICK_COORDS",
    Kind.MOUSEDOWN: "MOUSEDOWN_COORDS",
    Kind.MOUSEUP: "MOUSEUP_COORDS",
    Kind.SCROLL_UP: "SCROLL_UP_COORDS",
    Kind.SCROLL_DOWN: "SCROLL_DOWN_COORDS",
    Kind.KEY: "PRESS_KEY",
    Kind.TYPE: "TYPE_TEXT",
}
ALLOWED_TYPES: tuple[str, ...] = tuple(_MINIWOB_TYPES.values())
_KINDS = {name: kind for kind, name in _MINIWOB_TYPES.items()}
FORBIDDEN_TYPES = frozenset(
    {
        "CLICK_ELEMENT",
        "TYPE_FIELD",
        "FOCUS_ELEMENT_AND_TYPE_TEXT",
        "FOCUS_ELEMENT_AND_TYPE_FIELD",
    }
)


@dataclass(frozen=True)
class MiniwobConfig:
    """One task's environment: the protocol of issue 7 by default (no timer, 30 steps)."""

    task: str
    max_steps: int = 30
    timer: bool = False
    chrome_binary: str = "/usr/bin/chromium"
    chromedriver: str = "/usr/bin/chromedriver"


class BrowserError(RuntimeError):
    """Chromium or chromedriver is not where the config says, or stopped answering: one clear line."""


class DevTools:
    """Our own DevTools socket to the task's page, for each action's input events and the state read
    and the look after it.

    A call through chromedriver (execute_script, execute_cdp_cmd) is an HTTP request that chromedriver
    relays; here it goes straight to Chromium. Nothing is enabled on the socket, so no events arrive
    and every message read is a reply. A browser that is gone or does not answer is a BrowserError.
    """

    def __init__(self, debugger_address: str, url: str, timeout_s: float = 10.0) -> None:
        import websocket  # websocket-client

        # what a gone or silent browser raises, kept so that a call on the hot path imports nothing
        self._failures = (OSError, ValueError, websocket.WebSocketException)
        try:
            with urlopen(f"http://{debugger_address}/json/list", timeout=timeout_s) as answer:
                pages = [t for t in json.load(answer) if t.get("type") == "page"]
            page = next((t for t in pages if t.get("url") == url), pages[0] if len(pages) == 1 else None)
            if page is None:
                raise BrowserError(f"no page at {url} among Chromium's {len(pages)} pages")
            # Chromium refuses a DevTools socket whose handshake has an Origin header
            self._socket = websocket.create_connection(
                page["webSocketDebuggerUrl"], timeout=timeout_s, suppress_origin=True
            )
        except self._failures as e:
            raise BrowserError(f"Chromium's DevTools at {debugger_address} did not answer: {e}") from None
        self._id = 0

    def __call__(self, method: str, **params: Any) -> dict[str, Any]:
        return self.send([(method, params)])[0]

    def send(self, messages: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        """The replies to `messages`, all sent before any reply is read: Chromium runs them in
        order, and a pointer move queued for the next frame does not hold back the press after it.
        """
        first = self._id + 1
        replies: dict[int, dict[str, Any]] = {}
        try:
            for method, params in messages:
                self._id += 1
                self._socket.send(json.dumps({"id": self._id, "method": method, "params": params}))
            while len(replies) < len(messages):
                reply = json.loads(self._socket.recv())
                if first <= reply.get("id", 0) <= self._id:  # anything else is not an answer to these
                    replies[reply["id"]] = reply
        except self._failures as e:
            names = ", ".join(dict.fromkeys(m for m, _ in messages))
            raise BrowserError(f"Chromium stopped answering {names}: {e or type(e).__name__}") from None
        results = []
        for (method, _), reply in zip(
            messages, (replies[i] for i in range(first, self._id + 1)), strict=True
        ):
            if "error" in reply:
                raise BrowserError(f"{method}: {reply['error'].get('message')}")
            results.append(reply["result"])
        return results

    def close(self) -> None:
        self._socket.close()


class UnknownTaskError(ValueError):
    """A task name the installed miniwob package does not have: a typo in a task list."""


def known_tasks() -> frozenset[str]:
    """The tasks the installed miniwob package can run (it needs a way to read each one's utterance)."""
    from miniwob.fields import FIELD_EXTRACTORS

    return frozenset(FIELD_EXTRACTORS)


def check_tasks(names: Iterable[str]) -> None:
    """UnknownTaskError naming every task miniwob does not have, each with the nearest one it has.

    >>> check_tasks(["click-button", "clik-button"])
    Traceback (most recent call last):
    ...
    deskhand.policy.miniwob.UnknownTaskError: no MiniWoB++ task named clik-button (did you mean click-button?)
    """
    known = known_tasks()
    unknown = [name for name in names if name not in known]
    if unknown:
        named = [
            f"{name} (did you mean {near[0]}?)"
            if (near := difflib.get_close_matches(name, known, 1))
            else name
            for name in unknown
        ]
        raise UnknownTaskError(f"no MiniWoB++ task named {', '.join(named)}")


def browser(config: MiniwobConfig) -> tuple[str, str]:
    """The Chromium and chromedriver to start, from the environment or the config; BrowserError if missing."""
    found = []
    for name, variable, default in (
        ("Chromium", "MINIWOB_CHROME_BINARY", config.chrome_binary),
        ("chromedriver", "MINIWOB_CHROMEDRIVER", config.chromedriver),
    ):
        path = os.environ.get(variable, default)
        if shutil.which(path) is None:
            raise BrowserError(f"no {name} at {path}: `make install` installs it, or set {variable}")
        found.append(path)
    return found[0], found[1]


@dataclass(frozen=True)
class StepResult:
    """What one step did: the next observation, whether the episode is over and if it succeeded."""

    obs: Observation
    done: bool
    success: bool
    reward: float


def to_miniwob(action: PolicyAction) -> dict[str, Any]:
    """Our action as a miniwob action dict for the pixels-only action space; refuses anything else."""
    if not isinstance(action, PolicyAction):
        raise TypeError(f"only PolicyAction is accepted, not {type(action).__name__} (no DOM actions)")
    out: dict[str, Any] = {"action_type": ALLOWED_TYPES.index(_MINIWOB_TYPES[action.kind])}
    out["coords"] = [float(action.x), float(action.y)]
    out["key"] = KEYS.index(action.key) if action.kind is Kind.KEY else 0
    out["text"] = action.text
    return out


class MiniwobEnv:
    """A MiniWoB++ task in headless Chromium; a context manager that closes the browser."""

    def __init__(self, config: MiniwobConfig) -> None:
        from miniwob.action import ActionSpaceConfig, ActionTypes

        space = ActionSpaceConfig(
            action_types=[ActionTypes(name) for name in ALLOWED_TYPES],
            allowed_keys=KEYS,
        )
        self.config = config
        check_tasks([config.task])  # miniwob's own error is a KeyError deep inside the browser's start
        browser(config)  # a missing browser is one clear line, before anything is started
        self._env = _environment(config, space)
        self.steps = 0

    def reset(self, seed: int) -> Observation:
        """Start an episode on this seed; with the timer off it never ends by itself.

        The first screen is let settle: a widget of the last episode may still be fading in or out
        over the new one (a calendar the policy opened or closed just before the verdict), and a
        person starts on a still page.
        """
        if not self.config.timer:
            self._env.instance.driver.execute_script(f"core.EPISODE_MAX_TIME = {NO_TIMER_MS};")
        raw, _ = self._env.reset(seed=seed)
        self.steps = 0
        return self.settle(_observation(raw))

    def step(self, action: PolicyAction) -> StepResult:
        """Do one action; the episode ends on the task's verdict or after max_steps."""
        raw, reward, done, _, info = self._env.step(to_miniwob(action))
        self.steps += 1
        success = bool(done and info.get("raw_reward", reward) > 0)
        done = bool(done) or self.steps >= self.config.max_steps
        return StepResult(obs=_observation(raw), done=done, success=success, reward=float(reward))

    def settle(
        self, obs: Observation, still_s: float = 0.02, timeout_s: float = 1.0, at_least_s: float = 0.0
    ) -> Observation:
        """Look again until the screen has not changed for `still_s`: the pause a person makes while
        a menu fades.

        `still_s` is longer than one tick of a page's animation (13-17 ms), so two looks that
        happen to fall within one tick do not pass for a still screen. Costs about two looks on a
        still screen, or `at_least_s` if longer (a wait for what has not begun to show);
        `timeout_s` bounds it on one that never stops moving.
        """
        frame, now = obs.screenshot, time.perf_counter()
        since, deadline, earliest = now, now + timeout_s, now + at_least_s
        while now < deadline:
            look = self._env.instance.look()
            now = time.perf_counter()
            if not np.array_equal(look, frame):
                frame, since = look, now
            elif now - since >= still_s and now >= earliest:
                break
        return Observation(screenshot=frame, utterance=obs.utterance)

    def glance(self, obs: Observation, after_s: float) -> Observation:
        """The screen `after_s` later, moving or not."""
        time.sleep(after_s)
        return Observation(screenshot=self._env.instance.look(), utterance=obs.utterance)

    def expert_dom(self) -> list[dict[str, Any]]:
        """The page's DOM now: for the scripted experts only, never for a policy.

        It is fetched here, after the screenshot, rather than with every observation: the
        bench does not pay for it, and demonstrations see the page at the same moments as the
        bench. miniwob leaves out SVG fills, so a shape's colour is added as "fill" where it has one.
        """
        from miniwob.dom import DOMElement
        from miniwob.observation import serialize_dom_element

        driver = self._env.instance.driver
        root = DOMElement(driver.execute_script("return core.getDOMInfo();"))
        fills = driver.execute_script(_FILLS_JS) or {}  # of the DOM info just fetched
        elements = [serialize_dom_element(el) for el in root.subtree_elements]
        return [{**el, "fill": fills[str(el["ref"])]} if fills.get(str(el["ref"])) else el for el in elements]

    def close(self) -> None:
        self._env.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def next_look(env: MiniwobEnv, action: PolicyAction, obs: Observation) -> Observation:
    """The screen the next action is chosen on, the same for a policy in the bench and an expert
    recording demonstrations: a pointer move is how both wait (for a fade, a slide, a menu), so
    after one the screen is let settle, for at least WAIT_S; after a glance, looked at again then.
    """
    if action.kind is not Kind.MOVE:
        return obs
    if action.glance is None:
        return env.settle(obs, at_least_s=WAIT_S)
    return env.glance(obs, action.glance) if action.glance > 0 else obs


def _observation(raw: dict[str, Any]) -> Observation:
    return Observation(screenshot=raw["screenshot"], utterance=str(raw["utterance"]))


def _environment(config: MiniwobConfig, space: Any) -> Any:
    """miniwob's environment on a browser started with CHROME_ARGS and the configured binaries."""
    from miniwob.environment import MiniWoBEnvironment
    from miniwob.observation import UTTERANCE_MAX_LENGTH
    from miniwob.selenium_instance import SeleniumInstance
    from PIL import Image
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    class Instance(SeleniumInstance):
        def create_driver(self) -> None:
            options = webdriver.ChromeOptions()
            options.binary_location, driver = browser(config)
            for arg in CHROME_ARGS:
                options.add_argument(arg)
            self.driver = webdriver.Chrome(service=Service(executable_path=driver), options=options)
            self.driver.implicitly_wait(5)
            self.driver.get(self.url)
            ready = expected_conditions.element_to_be_clickable((By.ID, self.SYNC_SCREEN_ID))
            WebDriverWait(self.driver, 5).until(ready)
            self.inner_width, self.inner_height = self.driver.execute_script(
                "return [window.innerWidth, window.innerHeight];"
            )
            self.scroll = {"x": 0, "y": 0}
            address = self.driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
            self.devtools = DevTools(address, self.driver.current_url)
            self.pointer = Pointer()

        def close(self) -> None:
            if getattr(self, "devtools", None):
                self.devtools.close()
            super().close()

        def look(self) -> Any:
            """The task area's pixels now, (H, W, 3) uint8: the same pixels as miniwob's screenshot.

            Only the task area is captured: no PNG of the whole window to encode and decode
            (`bench/miniwob_look.py`). The clip is in page coordinates, so it follows the window's
            scroll from the last state read.
            """
            clip = {**self.scroll, "width": self.task_width, "height": self.task_height, "scale": 1}
            shot = self.devtools("Page.captureScreenshot", format="png", clip=clip)
            image = Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")
            if image.size != (self.task_width, self.task_height):  # a device pixel ratio other than 1
                image = image.resize((self.task_width, self.task_height))
            return np.asarray(image)

        def state(self) -> dict[str, Any]:
            """The verdict and the utterance, and the window's scroll noted for `look`."""
            answer = self.devtools("Runtime.evaluate", expression=_STATE_JS, returnByValue=True)
            if "exceptionDetails" in answer:
                raise BrowserError(
                    f"the task page could not be read: {answer['exceptionDetails'].get('text')}"
                )
            state: dict[str, Any] = answer["result"]["value"]
            self.scroll = {"x": state.pop("x"), "y": state.pop("y")}
            said = state.pop("utterance")
            state["utterance"] = said["utterance"] if isinstance(said, dict) else said
            return state

        def step(
            self,
            action: Any,
            space: Any,
            obs: list[Any],
            rewards: list[Any],
            dones: list[Any],
            infos: list[Any],
        ) -> None:
            """miniwob's step with the action's events sent on our socket, and one state read after
            it instead of three.

            Before acting, miniwob checks that the episode is not over. Only a timer can end it
            between two steps, so the check is made only when the timer is on.
            """
            if not (config.timer and self.get_metadata()["done"]):
                self.act(action, space)
            state = self.state()
            rewards[0], dones[0], infos[0] = self.reward_processor(state), state["done"], state
            obs[0] = self.get_empty_observation() if state["done"] else self.observation(state)

        def act(self, action: Any, space: Any) -> None:
            """The pointer, key or text events of one pixels-only action (`chrome_input`)."""
            kind = _KINDS[space.action_types[action["action_type"]].value]
            left, top = space.compute_raw_coords(action)
            key = space.allowed_keys[int(action["key"])] if kind is Kind.KEY else ""
            text = action["text"] if kind is Kind.TYPE else ""
            sent, self.pointer = events(kind, left, top, key, text, self.pointer)
            if kind in (Kind.SCROLL_UP, Kind.SCROLL_DOWN):  # a page's first wheel may scroll a frame late
                sent = [*sent, ("Runtime.evaluate", {"expression": _TWO_FRAMES_JS, "awaitPromise": True})]
            self.devtools.send(sent)

        def observation(self, state: dict[str, Any]) -> dict[str, Any]:
            """What a policy gets, the utterance and the screenshot; no DOM (see `expert_dom`)."""
            return {
                "utterance": state["utterance"][:UTTERANCE_MAX_LENGTH],
                "dom_elements": (),
                "screenshot": self.look(),
                "fields": (),
            }

        def get_observation(self, use_cached_fields: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
            return self.observation(self.state()), {}

    class Environment(MiniWoBEnvironment):
        def _hard_reset_instance(self) -> None:
            old: Any = getattr(self, "instance", None)
            if old:
                old.close()
            fresh = Instance(index=0, **self.instance_kwargs)
            fresh.start()
            fresh.wait()
            self.instance = fresh

    return Environment(subdomain=config.task, action_space_config=space)
