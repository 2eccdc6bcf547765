"""Replay speed: a scripted human at full Keystroke-Level-Model pace is recorded once per scenario,
the skill is learned, and deskhand replays it with new inputs at several screen sizes.

Writes bench/results/replay.json. Per scenario and size: success (from the app's own output),
deskhand time, and two baselines for speed-up, each named:
- "recorded human": the recorded scripted human's time for the same job (KLM pace, real waits);
- "KLM estimate": the Keystroke-Level Model's sum of operator times for the script.
Also the app-bound ratio (deskhand time / time waiting for the app; 1.0 is the limit) and the
median locate and act milliseconds per step, with the runner's thread pinned to one core.
Goals, not tests: speed-up >= 10x against the recorded human; app-bound ratio <= 1.25;
locate + act <= 30 ms at 1080p and <= 100 ms at 5K.

Run: python bench/replay.py [--sizes 1920x1080,1280x800,5120x2880] [--scenarios letter,refund]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path
from types import ModuleType

import cv2

from deskhand.desktop import XvfbDesktop, parse_size
from deskhand.learn.compile import learn
from deskhand.learn.skill import Skill, check_skill, save_skill
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.run.runner import Runner
from deskhand.scenarios import letter, refund
from deskhand.vision.ocr import Ocr

RESULTS = Path(__file__).parent / "results" / "replay.json"
SCENARIOS: dict[str, ModuleType] = {"letter": letter, "refund": refund}


def record_and_learn(scenario: ModuleType, workdir: Path, ocr: Ocr) -> tuple[Skill, float]:
    with XvfbDesktop(1920, 1080) as desktop, scenario.open_app(desktop, workdir / "record") as app:
        human = ScriptedHuman(desktop, time_scale=1.0, seed=7)
        with Recorder(desktop, workdir / "rec", RecordConfig()) as recorder:
            scenario.perform(human, app)
            path = recorder.stop()
        problem = scenario.check(app, scenario.RECORDED)
        if problem:
            raise RuntimeError(f"the scripted human failed the {scenario.NAME} job: {problem}")
    skill, crops = learn([Recording.open(path)], ocr, scenario.NAME)
    save_skill(skill, workdir / "skill", crops)
    return check_skill(workdir / "skill"), human.klm_seconds


def replay(
    scenario: ModuleType, skill: Skill, size: tuple[int, int], workdir: Path, ocr: Ocr
) -> dict[str, object]:
    values = scenario.ROWS[0]
    with XvfbDesktop(*size) as desktop, scenario.open_app(desktop, workdir) as app:
        affinity = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(affinity)})  # the runner's own thread on one core
        try:
            result = Runner(
                desktop, skill, skill.bind(values), report_dir=workdir / "report", ocr=lambda: ocr
            ).run()
        finally:
            os.sched_setaffinity(0, affinity)
        problem = scenario.check(app, values) if result.ok else result.escalation.reason  # type: ignore[union-attr]
    located = [s for s in result.steps if s.method]
    ms = lambda xs: round(statistics.median(xs) * 1000, 2) if xs else None  # noqa: E731
    return {
        "size": f"{size[0]}x{size[1]}",
        "success": result.ok and problem is None,
        "problem": problem,
        "deskhand_s": round(result.total_s, 3),
        "app_wait_s": round(result.app_wait_s, 3),
        "app_bound_ratio": round(result.app_bound_ratio, 3) if result.app_bound_ratio else None,
        "locate_ms_median": ms([s.locate_s for s in located]),
        "act_ms_median": ms([s.act_s for s in result.steps]),
        "locate_plus_act_ms_median": ms([s.locate_s + s.act_s for s in located]),
        "methods": sorted({s.method for s in located}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1920x1080,1280x800,5120x2880")
    parser.add_argument("--scenarios", default="letter,refund")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    ocr = Ocr()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.scenarios.split(","):
            scenario = SCENARIOS[name]
            skill, klm_s = record_and_learn(scenario, Path(tmp) / name, ocr)
            for text in args.sizes.split(","):
                row = replay(scenario, skill, parse_size(text), Path(tmp) / name / text, ocr)
                total = row["deskhand_s"]
                assert isinstance(total, float)
                row = {
                    "scenario": name,
                    **row,
                    "human_s": round(skill.human_time, 3),
                    "klm_s": round(klm_s, 3),
                    "speedup_vs_recorded_human": round(skill.human_time / total, 2)
                    if row["success"]
                    else None,
                    "speedup_vs_klm": round(klm_s / total, 2) if row["success"] else None,
                }
                print(json.dumps(row, ensure_ascii=False))
                rows.append(row)
    speedups = [r["speedup_vs_recorded_human"] for r in rows if r["speedup_vs_recorded_human"]]
    ratios = [r["app_bound_ratio"] for r in rows if r["app_bound_ratio"]]
    result = {
        "bench": "replay",
        "baselines": {
            "recorded_human": "the scripted human (KLM pace, time_scale 1.0) recorded doing the same job",
            "klm": "Keystroke-Level Model estimate of the same script",
        },
        "machine": {"cpus": os.cpu_count(), "runner_pinned_to_one_core": True},
        "runs": rows,
        "summary": {
            "success": f"{sum(bool(r['success']) for r in rows)}/{len(rows)}",
            "median_speedup_vs_recorded_human": statistics.median(speedups) if speedups else None,
            "median_app_bound_ratio": statistics.median(ratios) if ratios else None,
        },
        "goals": {
            "speedup_min": 10,
            "app_bound_ratio_max": 1.25,
            "locate_plus_act_ms_max": {"1080p": 30, "5K": 100},
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
