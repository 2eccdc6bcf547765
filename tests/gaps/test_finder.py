"""The gap finder on real recordings of the scenario suite, against the omissions planted in its SOPs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskhand.cli import app
from deskhand.gaps.bench import score
from deskhand.gaps.finder import GapsConfig, Reading, find_gaps
from deskhand.scenarios import scenarios

runner = CliRunner()


@pytest.mark.x11
def test_finds_the_planted_omissions_with_precision_and_recall_of_at_least_0_9(
    suite_readings: dict[str, Reading],
) -> None:
    suite = scenarios()
    assert sum(len(s.omitted) for s in suite.values()) >= 5
    tp = fp = fn = 0
    figures = {}
    for name, scenario in suite.items():
        report, _ = find_gaps(scenario.sop, [suite_readings[name]])
        assert report.matches, report.recordings[0].verdict
        s = score(report, scenario.omitted, 1)
        figures[name] = (s["precision"], s["recall"], s["false_positives"], s["missed"])
        tp, fp, fn = tp + int(s["tp"]), fp + int(s["fp"]), fn + int(s["fn"])  # type: ignore[call-overload]
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.9 and recall >= 0.9, figures


@pytest.mark.x11
def test_each_undocumented_step_comes_with_before_and_after_crops(suite_readings: dict[str, Reading]) -> None:
    report, crops = find_gaps(scenarios()["credit"].sop, [suite_readings["credit"]])
    assert report.gaps
    for gap in report.gaps:
        first = gap.occurrences[0]
        for name in (first.before, first.after):
            width, height = GapsConfig().crop_size
            assert crops[name].ndim == 3 and crops[name].shape[1] <= width and crops[name].shape[0] <= height
            assert crops[name].std() > 5  # a picture of something, not a blank
    escape = next(g for g in report.gaps if "Escape" in g.description)
    assert escape.after_step == 2  # the Search dialog is closed after searching, before entering


@pytest.mark.x11
def test_a_recording_of_another_job_is_said_not_to_match_instead_of_getting_gaps(
    suite_readings: dict[str, Reading],
) -> None:
    report, crops = find_gaps(scenarios()["replace"].sop, [suite_readings["sheet"]])
    assert not report.matches
    assert report.gaps == () and crops == {}
    assert "does not match the procedure" in report.verdict


@pytest.mark.x11
def test_cli_reports_gaps_as_json_and_writes_the_page(
    suite_readings: dict[str, Reading], tmp_path: Path
) -> None:
    sop = tmp_path / "sop.md"
    sop.write_text(scenarios()["replace"].sop)
    rec = str(suite_readings["replace"].path)
    result = runner.invoke(app, ["gaps", "--sop", str(sop), rec, "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [o["action"] for g in data["gaps"] for o in g["occurrences"]] == [6, 9]
    assert (tmp_path / "out" / "index.html").is_file() and (tmp_path / "out" / "report.json").is_file()


@pytest.mark.x11
def test_cli_exits_1_and_says_so_when_no_recording_matches(
    suite_readings: dict[str, Reading], tmp_path: Path
) -> None:
    sop = tmp_path / "sop.md"
    sop.write_text(scenarios()["replace"].sop)
    rec = str(suite_readings["sheet"].path)
    result = runner.invoke(app, ["gaps", "--sop", str(sop), rec, "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "does not match the procedure" in result.output and "Traceback" not in result.output


def test_cli_refuses_an_empty_procedure_with_exit_2(tmp_path: Path) -> None:
    sop = tmp_path / "sop.md"
    sop.write_text("# Nothing here\n")
    result = runner.invoke(app, ["gaps", "--sop", str(sop), str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no steps" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("what", ["missing", "not a recording"])
def test_cli_refuses_a_bad_recording_with_exit_2_and_one_line(tmp_path: Path, what: str) -> None:
    sop = tmp_path / "sop.md"
    sop.write_text("1. Click Save.\n")
    rec = tmp_path / "rec"
    if what == "not a recording":
        rec.mkdir()
        (rec / "meta.json").write_text("{}")
    result = runner.invoke(app, ["gaps", "--sop", str(sop), str(rec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert str(rec) in result.output and "Traceback" not in result.output


def test_cli_refuses_a_missing_procedure_file_with_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["gaps", "--sop", str(tmp_path / "nope.md"), str(tmp_path), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2 and "nope.md" in result.output


@pytest.mark.x11
def test_cli_uses_the_procedure_stored_in_the_recording_when_given_none(
    suite_readings: dict[str, Reading], tmp_path: Path
) -> None:
    rec = str(suite_readings["refund"].path)
    result = runner.invoke(app, ["gaps", rec, "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "Refund a ticket"
    assert [o["action"] for g in data["gaps"] for o in g["occurrences"]] == list(
        scenarios()["refund"].omitted
    )
