"""The scenario suite recorded once for all the gap finder's integration tests (real Xvfb and apps)."""

from __future__ import annotations

import pytest

from deskhand.gaps.bench import record
from deskhand.gaps.finder import Reading, read_recording
from deskhand.scenarios import scenarios
from deskhand.vision.ocr import Ocr

TIME_SCALE = 0.15
SEED = 3


@pytest.fixture(scope="session")
def ocr() -> Ocr:
    return Ocr()


@pytest.fixture(scope="session")
def suite_readings(tmp_path_factory: pytest.TempPathFactory, ocr: Ocr) -> dict[str, Reading]:
    """Each scenario's scripted human, recorded once at 1920x1080 and read."""
    root = tmp_path_factory.mktemp("gaps-suite")
    return {
        name: read_recording(record(scenario, root / name, SEED, TIME_SCALE), ocr)
        for name, scenario in scenarios().items()
    }
