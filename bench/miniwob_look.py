"""What the MiniWoB loop pays to see the page after an action: ours against miniwob 1.1's own.

After each action, miniwob 1.1 reads the verdict twice (before and after acting), the utterance
once, and screenshots the whole window as PNG before cropping the task area. deskhand reads all it
needs in one script and captures only the task area, both on its own DevTools socket rather than
through chromedriver. Both run interleaved in one browser on the same
page, so the ratio (miniwob's time over ours) is within one run. The pixels must be the same, and
each pair is checked.

Writes bench/results/miniwob-look.json.
Run: python bench/miniwob_look.py [--task click-checkboxes] [--looks 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from deskhand.policy.miniwob import EVAL_SEED, MiniwobConfig, MiniwobEnv

BASELINE = (
    "miniwob 1.1's reads after an action: get_metadata twice, core.getUtterance, and "
    "miniwob.screenshot.get_screenshot (whole window as PNG, cropped with PIL)"
)


def theirs(instance: Any) -> np.ndarray:
    from miniwob.screenshot import get_screenshot, pil_to_numpy_array

    instance.get_metadata()
    instance.get_metadata()
    instance.driver.execute_script("return core.getUtterance();")
    shot = get_screenshot(
        instance.driver,
        instance.inner_width,
        instance.inner_height,
        instance.task_width,
        instance.task_height,
    )
    return pil_to_numpy_array(shot)


def ours(instance: Any) -> np.ndarray:
    instance.state()
    return instance.look()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="click-checkboxes")
    parser.add_argument("--looks", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("bench/results/miniwob-look.json"))
    args = parser.parse_args()
    times: dict[str, list[float]] = {"ours": [], "miniwob": []}
    same = 0
    with MiniwobEnv(MiniwobConfig(args.task)) as env:
        env.reset(EVAL_SEED)
        instance = env._env.instance
        for i in range(args.looks):
            frames = {}
            for name, read in sorted({"ours": ours, "miniwob": theirs}.items(), reverse=bool(i % 2)):
                t0 = time.perf_counter()
                frames[name] = read(instance)
                times[name].append(time.perf_counter() - t0)
            same += bool(np.array_equal(frames["ours"], frames["miniwob"]))
    ms = {name: 1000 * statistics.median(ts) for name, ts in times.items()}
    result = {
        "task": args.task,
        "looks": args.looks,
        "median_ms": {"ours": round(ms["ours"], 2), "miniwob": round(ms["miniwob"], 2)},
        "baseline": BASELINE,
        "miniwob_over_ours": round(ms["miniwob"] / ms["ours"], 2),
        "identical_pixels": f"{same}/{args.looks}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
