"""The examples in the gap finder's docstrings hold."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["vocabulary", "procedure"])
def test_docstring_examples_hold(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"deskhand.gaps.{module}"))
    assert result.attempted > 0 and result.failed == 0
