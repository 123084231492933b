"""Headless Chromium for browser tests: Debian's ``chromium`` and ``chromium-driver``, driven
by Selenium through the system chromedriver.

Nothing is ever downloaded: the driver's path is given, so Selenium Manager is
not run, and the flags keep Chromium off the network (no component updates,
no sync, no QUIC probing, no background fetches), which matters on closed
machines. Without the packages the tests are skipped with the reason and how
to get them (``make browser-deps``), unless ``GATEWAY_TEST_REQUIRE_SERVICES``
is set (CI), where a missing browser fails them, as a missing PostgreSQL does.

``browser()`` opens one more independent window (its own driver, profile and
``sessionStorage``); all are closed after the test.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterator

import pytest

from tests.conftest import REQUIRE_SERVICES

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,900"]
MISSING = "chromium / chromedriver not installed: make browser-deps"


def missing() -> str | None:
    """Why no browser test can run here, or None."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        return MISSING
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: make install (it is in the test extras)"
    return None


def _open(profile: str) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.fixture
def browser(tmp_path: Any) -> Iterator[Callable[[], Any]]:
    reason = missing()
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(reason)
        pytest.skip(reason)
    drivers: list[Any] = []

    def open_window() -> Any:
        profile = tmp_path / f"chromium-{len(drivers)}"
        profile.mkdir()
        driver = _open(str(profile))
        drivers.append(driver)
        return driver

    try:
        yield open_window
    finally:
        for driver in drivers:
            driver.quit()
