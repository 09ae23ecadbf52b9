"""Headless Chromium (Debian's chromium and chromium-driver, installed by scripts/setup.sh) for the viewer and
leaderboard tests; its processes carry the test session's owner marker, so the leak check sees them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def headless_chromium():
    """A selenium Chrome driver on headless Chromium that keeps the browser console log; quit it when done."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from gym_anything.runtime.guardian import owner_env

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("chromium and chromium-driver are missing: run scripts/setup.sh")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER, env=owner_env(dict(os.environ))), options=options)
