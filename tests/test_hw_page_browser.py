"""The hardware status page in a real browser (headless Chromium), against a live gateway
whose receipt printer is a real TCP listener: the manager logs in through the page's own
form, sees the printer, and "Test print" puts a test page's bytes on the listener; the
queue then shows the job done.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests import conftest
from tests.browser import browser  # noqa: F401
from tests.conftest import LiveServer, Orm
from tests.printer_listener import PrinterListener

#: One backend is enough here: the page only talks to the REST API, tested on both.
pytestmark = [pytest.mark.timeout(90), pytest.mark.parametrize("db", ["sqlite"], indirect=True)]

#: Loading the page, logging in, a REST round trip: generous, never measured.
WAIT_SECONDS = 20


@pytest.fixture
def hw_db(db: conftest.TestDatabase, listener: PrinterListener) -> conftest.TestDatabase:
    return conftest.TestDatabase(db.kind, db.config.replace(
        printer_networks=("127.0.0.0/8",), printer_ports=(listener.port,),
        printer_status_interval=0.0))


@pytest.fixture
def hw_server(hw_db: conftest.TestDatabase) -> Iterator[LiveServer]:
    server = LiveServer(hw_db.config).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def printer(hw_db: conftest.TestDatabase, listener: PrinterListener) -> int:
    orm = Orm(hw_db)
    await orm.backend.start()
    try:
        return int(await orm.run(lambda env: env["hw.printer"].create({
            "name": "Counter", "connection": "network", "host": "127.0.0.1",
            "port": listener.port, "role": "receipt"}), login="manager"))
    finally:
        await orm.close()


def test_the_page_is_static_with_a_strict_policy(hw_server: LiveServer) -> None:
    page = requests.get(f"{hw_server.url}/hardware", timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "<script src=\"/hardware/static/page.js\"" in page.text and "http" not in page.text
    script = requests.get(f"{hw_server.url}/hardware/static/page.js", timeout=30)
    assert script.status_code == 200 and ".innerHTML" not in script.text
    assert requests.get(f"{hw_server.url}/hardware/static/../app.py",
                        timeout=30).status_code == 404
    assert requests.get(f"{hw_server.url}/hardware/static/page.html",
                        timeout=30).status_code == 404


async def test_test_print_on_the_status_page_reaches_the_printer(
        hw_server: LiveServer, printer: int, listener: PrinterListener,
        browser: Any) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser()
    driver.get(f"{hw_server.url}/hardware")
    wait = WebDriverWait(driver, WAIT_SECONDS)
    await asyncio.to_thread(wait.until, seen.visibility_of_element_located((By.ID, "login")))
    driver.find_element(By.ID, "username").send_keys("manager")
    driver.find_element(By.ID, "password").send_keys("manager")
    driver.find_element(By.ID, "login-submit").click()
    row = f'#printers tr[data-printer-id="{printer}"]'
    shown = await asyncio.to_thread(
        wait.until, seen.presence_of_element_located((By.CSS_SELECTOR, row)))
    assert shown.find_element(By.CSS_SELECTOR, "td.name").text == "Counter"

    driver.find_element(By.CSS_SELECTOR, f'{row} button[data-action="test"]').click()
    await listener.wait_for(lambda: len(listener.jobs()) == 1, timeout=WAIT_SECONDS)
    (data,) = listener.jobs()
    assert b"TEST PAGE" in data and b"Counter" in data
    # the queue on the page shows the job, done (the page reloads every few seconds)
    await asyncio.to_thread(wait.until, seen.presence_of_element_located(
        (By.CSS_SELECTOR, '#jobs tr[data-state="done"]')))
    assert "Test page queued" in driver.find_element(By.ID, "notice").text
