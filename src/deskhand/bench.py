"""Benchmarks over the scenario suite: speed (against named human baselines) and robustness.

Speed-ups are ratios within one run of a bench: the recorded scripted human (Keystroke-Level-Model
pace, real waits) and the KLM estimate of the same script, each over deskhand's time for the job.
Robustness crosses screen sizes with a moved window and a larger font. A run is a success when the
checker, reading the apps' own output, says the job is done; an escalation when deskhand stopped
and asked; a wrong action when deskhand finished but the checker says the output is wrong.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from deskhand.demo import Progress, record_and_learn
from deskhand.desktop import ActionError, DesktopError, XvfbDesktop
from deskhand.learn.skill import Skill
from deskhand.run.runner import Runner
from deskhand.scenarios import Look, Scenario
from deskhand.scenarios.base import DEFAULT_LOOK, move_window
from deskhand.vision.ocr import Ocr

BASELINES = {
    "recorded_human": "the scripted human at full KLM pace (time_scale 1.0), recorded doing the same job",
    "klm": "the Keystroke-Level Model estimate of the same script",
}
LARGER_FONT = 1.25


def run_once(
    scenario: Scenario,
    skill: Skill,
    values: dict[str, str],
    size: tuple[int, int],
    workdir: Path,
    ocr: Ocr,
    look: Look = DEFAULT_LOOK,
    moved: bool = False,
) -> dict[str, object]:
    """One replay on a fresh desktop, judged by the scenario's checker."""
    w, h = size
    with XvfbDesktop(w, h) as desktop, scenario.open(desktop, workdir, values, look) as session:
        if moved and session.windows:  # the last window is the one a person drags around
            move_window(desktop, session.windows[-1], w // 40, h // 30)
        result = Runner(desktop, skill, values, report_dir=workdir / "escalation", ocr=lambda: ocr).run()
        problem = scenario.check(session, values, timeout=5.0 if result.ok else 0.5)
    return {
        "success": result.ok and problem is None,
        "escalated": not result.ok,
        "wrong_action": result.ok and problem is not None,
        "problem": problem if result.ok else (result.escalation.reason if result.escalation else None),
        "deskhand_s": round(result.total_s, 3),
        "app_wait_s": round(result.app_wait_s, 3),
        "app_bound_ratio": round(result.app_bound_ratio, 3) if result.app_bound_ratio else None,
    }


def speed(
    scenarios: Sequence[Scenario], sizes: Sequence[tuple[int, int]], out: Path, progress: Progress
) -> dict[str, object]:
    """Record each scenario once, then replay it on a new input row at each size."""
    ocr = Ocr()
    rows = []
    with tempfile.TemporaryDirectory(prefix="deskhand-speed-") as tmp:
        for scenario in scenarios:
            skill, klm_s = record_and_learn(scenario, Path(tmp) / scenario.name, ocr, progress)
            for size in sizes:
                progress(f"{scenario.name}: replaying at {size[0]}x{size[1]}")
                values = skill.bind(scenario.rows[0])
                run = run_once(
                    scenario, skill, values, size, Path(tmp) / scenario.name / f"{size[0]}x{size[1]}", ocr
                )
                ok, total = bool(run["success"]), float(run["deskhand_s"])  # type: ignore[arg-type]
                rows.append(
                    {
                        "scenario": scenario.name,
                        "size": f"{size[0]}x{size[1]}",
                        **run,
                        "human_s": round(skill.human_time, 3),
                        "klm_s": round(klm_s, 3),
                        "speedup_vs_recorded_human": round(skill.human_time / total, 2) if ok else None,
                        "speedup_vs_klm": round(klm_s / total, 2) if ok else None,
                    }
                )
                progress(json.dumps(rows[-1], ensure_ascii=False))
    speedups = [r["speedup_vs_recorded_human"] for r in rows if r["speedup_vs_recorded_human"]]
    ratios = [r["app_bound_ratio"] for r in rows if r["success"] and r["app_bound_ratio"]]
    result: dict[str, object] = {
        "bench": "speed",
        "baselines": BASELINES,
        "machine": {"cpus": os.cpu_count()},
        "runs": rows,
        "summary": {
            "success": f"{sum(bool(r['success']) for r in rows)}/{len(rows)}",
            "median_speedup_vs_recorded_human": _median(speedups),
            "median_speedup_vs_klm": _median([r["speedup_vs_klm"] for r in rows if r["speedup_vs_klm"]]),
            "median_app_bound_ratio": _median(ratios),
        },
        "goals": {"median_speedup_min": 10, "app_bound_ratio_max": 1.25},
    }
    _write(out, result)
    return result


def robustness(
    scenario: Scenario,
    sizes: Sequence[tuple[int, int]],
    rows: int,
    out: Path,
    progress: Progress,
) -> dict[str, object]:
    """Record once at 1920x1080; replay across sizes x window moved x font, `rows` input rows per cell."""
    if not 1 <= rows <= len(scenario.rows):
        raise ValueError(f"{scenario.name} has {len(scenario.rows)} input rows; asked for {rows}")
    ocr = Ocr()
    cells = []
    with tempfile.TemporaryDirectory(prefix="deskhand-robust-") as tmp:
        skill, _ = record_and_learn(scenario, Path(tmp) / "learn", ocr, progress)
        matrix = list(itertools.product(sizes, (False, True), (1.0, LARGER_FONT)))
        for n, (size, moved, font) in enumerate(matrix, 1):
            runs = []
            for r, values in enumerate(scenario.rows[:rows]):
                name = f"{size[0]}x{size[1]}-{'moved' if moved else 'still'}-{font:g}-{r}"
                progress(f"cell {n}/{len(matrix)}, row {r + 1}/{rows}: {name}")
                try:
                    run = run_once(
                        scenario, skill, skill.bind(values), size, Path(tmp) / name, ocr, Look(font), moved
                    )
                except (DesktopError, ActionError) as e:  # the set-up failed, not deskhand: say so, go on
                    run = {
                        "success": False,
                        "escalated": False,
                        "wrong_action": False,
                        "setup_failed": True,
                        "problem": f"set-up failed: {e}",
                    }
                runs.append(run)
            cells.append(
                {
                    "size": f"{size[0]}x{size[1]}",
                    "window_moved": moved,
                    "font_scale": font,
                    "rows": len(runs),
                    "success": sum(bool(x["success"]) for x in runs),
                    "escalations": sum(bool(x["escalated"]) for x in runs),
                    "wrong_actions": sum(bool(x["wrong_action"]) for x in runs),
                    "setup_failures": sum(bool(x.get("setup_failed")) for x in runs),
                    "problems": sorted({str(x["problem"]) for x in runs if x["problem"]}),
                }
            )
            progress(json.dumps(cells[-1], ensure_ascii=False))
            _write(
                out, _robustness_result(scenario, cells, complete=n == len(matrix))
            )  # progress survives a stop
    return _robustness_result(scenario, cells, complete=True)


def _robustness_result(
    scenario: Scenario, cells: list[dict[str, object]], complete: bool
) -> dict[str, object]:
    total = sum(int(c["rows"]) for c in cells)  # type: ignore[call-overload]
    success = sum(int(c["success"]) for c in cells)  # type: ignore[call-overload]
    result: dict[str, object] = {
        "bench": "robustness",
        "scenario": scenario.name,
        "recorded_at": "1920x1080, font scale 1, window where the app put it",
        "definitions": {
            "success": "the checker, reading the apps' own output, says the job is done",
            "escalation": "deskhand stopped and asked a person",
            "wrong_action": "deskhand finished but the checker says the output is wrong",
        },
        "cells": cells,
        "summary": {
            "runs": total,
            "success_rate": round(success / total, 4) if total else None,
            "escalations": sum(int(c["escalations"]) for c in cells),  # type: ignore[call-overload]
            "wrong_actions": sum(int(c["wrong_actions"]) for c in cells),  # type: ignore[call-overload]
        },
        "goals": {"success_rate_min": 0.99, "wrong_actions_max": 0},
        "complete": complete,
    }
    return result


def _median(xs: Sequence[object]) -> float | None:
    values = [float(x) for x in xs if isinstance(x, int | float)]
    return round(statistics.median(values), 3) if values else None


def _write(out: Path, result: dict[str, object]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    result["written_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
