"""The examples in the policy's docstrings hold: the pure parts of its inputs, rules and keys."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["features", "rules", "booking", "chrome_input", "demos"])
def test_docstring_examples_hold(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"deskhand.policy.{module}"))
    assert result.attempted > 0 and result.failed == 0
