"""The HTML report as a browser shows it: headless Chromium renders the page, and we look at the pixels."""

from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from deskhand.gaps.finder import Reading, find_gaps
from deskhand.gaps.page import write_report
from deskhand.scenarios import scenarios
from deskhand.vision.ocr import Ocr, letters
from deskhand.vision.template import MatchConfig, find

WIDTH, HEIGHT = 1280, 3200


def screenshot(page: Path, out: Path) -> np.ndarray:
    """The page as headless Chromium draws it, (H, W, 3) RGB."""
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={out.parent / 'chromium-profile'}",
            f"--window-size={WIDTH},{HEIGHT}",
            f"--screenshot={out}",
            page.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    image = cv2.imread(str(out), cv2.IMREAD_COLOR)
    assert image is not None, f"Chromium wrote no screenshot to {out}"
    return np.ascontiguousarray(image[:, :, ::-1])


@pytest.mark.x11
def test_the_report_renders_its_items_and_crops_in_headless_chromium(
    suite_readings: dict[str, Reading], ocr: Ocr, tmp_path: Path
) -> None:
    report, crops = find_gaps(scenarios()["credit"].sop, [suite_readings["credit"]])
    page = write_report(report, crops, tmp_path / "report")
    shot = screenshot(page, tmp_path / "shot.png")

    top = " ".join(b.text for b in ocr.read(shot[:160, :WIDTH]))
    assert "whattheprocedureleavesout" in letters(top)
    assert f"{len(report.gaps)}undocumentedsteps" in letters(top)

    first = report.gaps[0].occurrences[0]
    for name in (first.before, first.after):  # the first item's crops, pixel for pixel on the page
        matches = find(shot, crops[name], config=MatchConfig(min_score=0.95, max_candidates=1))
        assert matches, f"{name} is not on the rendered page"
    box = find(shot, crops[first.before], config=MatchConfig(min_score=0.95, max_candidates=1))[0]
    heading = shot[max(0, box.y - 90) : box.y, : WIDTH // 2]  # the item's title and where it happens
    assert "pressreturn" in letters(" ".join(b.text for b in ocr.read(heading)))
