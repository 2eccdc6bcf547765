"""Shared fixtures. Integration tests start their own Xvfb and apps; nothing is mocked."""

from __future__ import annotations

import pytest

from deskhand.desktop import XvfbDesktop


@pytest.fixture
def desktop_1080():
    with XvfbDesktop(1920, 1080) as desktop:
        yield desktop
