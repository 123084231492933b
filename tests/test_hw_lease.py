"""One print worker per database (hardware_bridge/lease.py): of two processes' leases on
one database only one holds it; when its holder goes, the other takes over. Each lease
has its own connection or file handle, as two processes would."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware_bridge.lease import Lease
from models.db import make_backend
from tests.conftest import BACKENDS
from tests.test_cli import empty_pg_database

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "lease.sqlite3"
        path.touch()
        yield f"sqlite:///{path}"
    else:
        with empty_pg_database() as pg_url:
            yield pg_url


class Holder:
    def __init__(self, url: str, name: str, events: list[str]) -> None:
        async def acquired() -> None:
            events.append(f"{name} leads")

        async def lost() -> None:
            events.append(f"{name} steps down")
        self.lease = Lease(make_backend(url), acquired, lost, retry=0.1)


async def _until(condition: object, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():   # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_one_holder_and_a_takeover(url: str) -> None:
    events: list[str] = []
    first, second = Holder(url, "first", events), Holder(url, "second", events)
    first.lease.start()
    await _until(lambda: first.lease.held)
    second.lease.start()
    await asyncio.sleep(0.5)                 # five tries of the second: all refused
    assert not second.lease.held and events == ["first leads"]
    await first.lease.close()                # the holder stops (or dies: same release)
    await _until(lambda: second.lease.held)
    assert events == ["first leads", "first steps down", "second leads"]
    await second.lease.close()
    assert events[-1] == "second steps down"
