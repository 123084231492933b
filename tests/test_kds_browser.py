"""The kitchen page in a real browser, against a live server: an order taken through
``call_kw`` appears on two open kitchen screens within 2 seconds (the issue's figure: the
only timed waits of the suite), and "Ready" pressed on one is in the database and on the
other screen within 2 seconds.

Each screen is its own Chromium (its own login and ``sessionStorage``), logged in as the
Bistro's kitchen user through the page's own form.
"""
from __future__ import annotations

from typing import Any

import requests

from tests.browser import browser  # noqa: F401
from tests.pos_support import demo_till, line, new_uid, order_payload
from tests.support import envelope

#: The issue's bound for a change to reach a screen.
LIVE_SECONDS = 2
#: Loading the page, logging in and connecting the socket: not what is measured.
SETUP_SECONDS = 15


def rpc(session: requests.Session, url: str, params: dict[str, Any]) -> Any:
    response = session.post(url, json=envelope(params), timeout=30)
    response.raise_for_status()
    body = response.json()
    assert "error" not in body, body["error"]
    return body["result"]


def take_order(server: Any, till: Any) -> int:
    """A waiter's order sent the way the POS sends it: ``create_from_ui`` over JSON-RPC."""
    with requests.Session() as session:
        rpc(session, f"{server.url}/web/session/authenticate",
            {"db": server.db_name, "login": "waiter", "password": "waiter"})
        uid = new_uid()
        payload = order_payload(uid, till.session_id,
                                [line(till.product(0), 2), line(till.product(1))], [],
                                table_id=till.tables[0])
        created = rpc(session, f"{server.url}/web/dataset/call_kw/pos.order/create_from_ui",
                      {"model": "pos.order", "method": "create_from_ui",
                       "args": [[payload]], "kwargs": {"draft": True}})
    return int(created[0]["id"])


def open_kitchen(driver: Any, url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, SETUP_SECONDS).until(seen.visibility_of_element_located((By.ID, "login")))
    driver.find_element(By.ID, "username").send_keys("kitchen")
    driver.find_element(By.ID, "password").send_keys("kitchen")
    driver.find_element(By.ID, "login-submit").click()
    WebDriverWait(driver, SETUP_SECONDS).until(seen.visibility_of_element_located((By.ID, "board")))
    WebDriverWait(driver, SETUP_SECONDS).until(
        lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "live")


def card(order_id: int, status: str = "") -> str:
    return f'article.order[data-order-id="{order_id}"]' + (
        f'[data-status="{status}"]' if status else "")


def button(order_id: int, action: str) -> str:
    return f'{card(order_id)} > .actions button[data-action="{action}"]'


def press(driver: Any, selector: str) -> None:
    """Click the button once it is there (a reload may replace it meanwhile: find it again)."""
    from selenium.common.exceptions import (ElementNotInteractableException,
                                            StaleElementReferenceException)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def click(d: Any) -> bool:
        d.find_element(By.CSS_SELECTOR, selector).click()
        return True
    WebDriverWait(driver, LIVE_SECONDS, ignored_exceptions=(
        StaleElementReferenceException, ElementNotInteractableException)).until(click)


def shows(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, LIVE_SECONDS).until(
        seen.presence_of_element_located((By.CSS_SELECTOR, selector)))


async def test_an_order_reaches_two_kitchen_screens_and_ready_reaches_the_other(
        live_server: Any, orm: Any, browser: Any) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    till = await demo_till(orm)
    url = f"{live_server.url}/kds/{till.company_id}"
    first, second = browser(), browser()
    for page in (first, second):
        open_kitchen(page, url)

    order_id = take_order(live_server, till)
    for page in (first, second):
        shown = shows(page, card(order_id, "new"))
        assert len(shown.find_elements(By.CSS_SELECTOR, "li[data-line-id]")) == 2

    press(first, button(order_id, "preparing"))
    press(first, button(order_id, "ready"))
    shows(first, card(order_id, "ready"))

    async def kitchen_status(env: Any) -> str:
        (order,) = await env.sudo()["pos.order"].read([order_id], ["kitchen_status"])
        return str(order["kitchen_status"])
    assert await orm.run(kitchen_status) == "ready"

    shows(second, card(order_id, "ready"))
    assert shows(second, button(order_id, "served")).text == "Served"
