"""proxy_mode: X-Forwarded-* headers are believed only when the admin says a proxy is in front."""
from __future__ import annotations

from typing import Any

import pytest

from gateway.app import create_app
from tests.support import login

FORWARDED = {"X-Forwarded-Host": "pos.example.com", "X-Forwarded-Proto": "https",
             "X-Forwarded-For": "203.0.113.7"}


@pytest.mark.parametrize("proxy_mode, expected", [
    (True, "https://pos.example.com"),
    (False, None),
])
async def test_forwarded_headers_follow_proxy_mode(aiohttp_client: Any, db: Any, proxy_mode: bool,
                                                   expected: str | None) -> None:
    client = await aiohttp_client(create_app(db.config.replace(proxy_mode=proxy_mode)))
    client.session.headers.update(FORWARDED)
    info = await login(client)
    if expected:
        assert info["web.base.url"] == expected
    else:
        assert info["web.base.url"] == f"http://{client.host}:{client.port}"
