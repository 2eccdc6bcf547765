"""What one MiniWoB step pays to act and look: our input events against miniwob 1.1's chromedriver.

miniwob 1.1 sends an action as a W3C action through chromedriver's HTTP server, which relays it to
Chromium as DevTools input events; deskhand sends those events on its own DevTools socket
(`policy/chrome_input.py`), and moves the pointer only when it is not already there. Each step here
is the action and the look after it, so a faster action that only waits longer for the next frame
gains nothing. Both run interleaved in one browser on the same page, so the ratio (miniwob's time
over ours) is within one run.

Writes bench/results/miniwob-act.json.
Run: python bench/miniwob_act.py [--steps 100]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from deskhand.policy.base import Kind, PolicyAction
from deskhand.policy.experts.dom import box
from deskhand.policy.miniwob import EVAL_SEED, MiniwobConfig, MiniwobEnv, to_miniwob

BASELINE = "miniwob 1.1's miniwob.selenium_actions.execute_action_on_chromedriver, then the same look"


def theirs(instance: Any, space: Any, action: dict[str, Any]) -> None:
    from miniwob.selenium_actions import execute_action_on_chromedriver

    execute_action_on_chromedriver(action, [], space, instance.driver)
    instance.look()


def ours(instance: Any, space: Any, action: dict[str, Any]) -> None:
    instance.act(action, space)
    instance.look()


def actions(env: MiniwobEnv) -> dict[str, list[PolicyAction]]:
    """Per case, the actions its steps cycle through, on enter-text's field and button."""
    dom = env.expert_dom()
    field = next(el for el in dom if el["id"] == "tt")
    left, top, width, height = box(field)
    x, y = left + width / 2, top + height / 2
    return {
        "click where the pointer rests": [PolicyAction(Kind.CLICK, x=x, y=y)],
        "click after a move": [
            PolicyAction(Kind.CLICK, x=x - 20, y=y),
            PolicyAction(Kind.CLICK, x=x + 20, y=y),
        ],
        "type 5 characters": [PolicyAction(Kind.TYPE, text="abcde")],
        "press a key": [PolicyAction(Kind.KEY, key="<Backspace>")],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="steps per case and per way")
    parser.add_argument("--out", type=Path, default=Path("bench/results/miniwob-act.json"))
    args = parser.parse_args()
    cases = {}
    with MiniwobEnv(MiniwobConfig("enter-text")) as env:
        env.reset(EVAL_SEED)
        instance, space = env._env.instance, env._env.action_space_config
        for case, cycle in actions(env).items():
            times: dict[str, list[float]] = {"ours": [], "miniwob": []}
            for i in range(args.steps):
                action = to_miniwob(cycle[i % len(cycle)])
                for name, step in sorted({"ours": ours, "miniwob": theirs}.items(), reverse=bool(i % 2)):
                    t0 = time.perf_counter()
                    step(instance, space, action)
                    times[name].append(time.perf_counter() - t0)
            ms = {name: 1000 * statistics.median(ts) for name, ts in times.items()}
            cases[case] = {
                "median_ms": {name: round(value, 2) for name, value in ms.items()},
                "miniwob_over_ours": round(ms["miniwob"] / ms["ours"], 2),
            }
    result = {"task": "enter-text", "steps_per_case": args.steps, "baseline": BASELINE, "cases": cases}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
