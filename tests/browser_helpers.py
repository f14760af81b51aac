"""Headless Chromium for the tests of the HTML pages (the report, the explorer).

:func:`find_or_install_chromium` finds ``/usr/bin/chromium``, or installs it
with apt-get when the tests run as root; the ``chromium`` fixture
(tests/face/conftest.py) skips a test, never fails it, when Chromium cannot
be had.  :func:`headless` runs it on a page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["CHROMIUM", "find_or_install_chromium", "headless"]

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_TIMEOUT = 600  # seconds for apt-get update + install
RENDER_TIMEOUT = 120


def find_or_install_chromium() -> tuple[Path | None, str]:
    """(Chromium, "") or (None, why not): /usr/bin/chromium, else apt-get install it when root."""
    if CHROMIUM.exists():
        return CHROMIUM, ""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None, f"{CHROMIUM} missing and not root, so not installed (apt-get install chromium)"
    if shutil.which("apt-get") is None:
        return None, f"{CHROMIUM} missing and no apt-get to install it"
    try:
        done = subprocess.run(
            ["sh", "-c", "apt-get update -qq && apt-get install -y -qq chromium"],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    except subprocess.TimeoutExpired:
        return None, f"apt-get install chromium took more than {INSTALL_TIMEOUT} s"
    if done.returncode != 0 or not CHROMIUM.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"apt-get install chromium failed (status {done.returncode}): {tail[0]}"
    return CHROMIUM, ""


def headless(chromium: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Chromium ``args`` on a page, headless, with a profile of its own and no background network."""
    return subprocess.run(
        [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=RENDER_TIMEOUT,
    )
