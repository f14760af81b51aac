"""Fixtures of the tests of the face: headless Chromium for the HTML pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import find_or_install_chromium


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Chromium, or the test is skipped (saying why) when it cannot be had."""
    found, why = find_or_install_chromium()
    if found is None:
        pytest.skip(why)
    return found
