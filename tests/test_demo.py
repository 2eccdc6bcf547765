"""The demo's report: the table and every run's screenshots and trace, from a result alone."""

from __future__ import annotations

import json
from pathlib import Path

from deskhand.demo import DemoResult, DemoRun, write_html


def _run(screen: str, ok: bool, deskhand_s: float) -> DemoRun:
    return DemoRun(
        screen=screen,
        ticket="4823",
        ok=ok,
        problem=None if ok else "step 3: could not find 'Refunded'",
        human_s=60.0,
        klm_s=50.0,
        deskhand_s=deskhand_s,
        before=f"{screen}/before.png",
        after=f"{screen}/after.png",
        trace=f"{screen}/trace.mp4",
        report="" if ok else f"{screen}/escalation/index.html",
    )


def test_speedups_name_both_baselines_and_only_count_successes() -> None:
    done, stopped = _run("1280x800", True, 6.0), _run("5120x2880", False, 3.0)
    assert (done.speedup, done.klm_speedup) == (10.0, 50.0 / 6.0)
    assert stopped.speedup is None and stopped.klm_speedup is None
    result = DemoResult("credit", "the job", 60.0, 50.0, 19, (done, stopped))
    data = json.loads(json.dumps(result.to_dict()))
    assert not result.ok and data["baselines"] == {"recorded_human_s": 60.0, "klm_estimate_s": 50.0}
    assert [r["speedup_vs_recorded_human"] for r in data["runs"]] == [10.0, None]


def test_the_html_report_shows_each_run_with_its_pictures_and_trace(tmp_path: Path) -> None:
    result = DemoResult(
        "credit", "the <job>", 60.0, 50.0, 19, (_run("1280x800", True, 6.0), _run("5120x2880", False, 3.0))
    )
    write_html(result, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "the &lt;job&gt;" in page and "<job>" not in page
    for screen in ("1280x800", "5120x2880"):
        for name in ("before.png", "after.png", "trace.mp4"):
            assert f'"{screen}/{name}"' in page
    assert page.count("<tr><td>") == 2 and "10.0x" in page and "could not find" in page
    assert '"5120x2880/escalation/index.html"' in page
