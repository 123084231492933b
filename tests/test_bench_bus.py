"""The bench's bus load client, end to end at a small size: a real ``gateway serve``,
a load process of its own, every client connected and every one receiving the one
committed notification (no timing asserted: that is the bench's job)."""
from __future__ import annotations

import pytest

from bench import bus
from bench.dataset import Target


def target_for(db, workdir: str) -> Target:
    config = db.config
    return Target(kind=db.kind, workdir=workdir, database_url=config.resolved_database_url,
                  sqlite_path="", pg_dbname="", pool_size=4, db_name=config.db_name)


@pytest.mark.parametrize("label,pollers,sockets", [
    ("long-poll", 50, 0),
    ("websocket", 0, 50),
    ("both", 25, 25),
])
def test_every_client_connects_and_receives_the_notification(db, tmp_path, label, pollers,
                                                              sockets) -> None:
    result = bus.run(target_for(db, str(tmp_path)), label, pollers, sockets, print,
                     deadline=30.0)
    assert result.errors == {}, result.server_log
    assert (result.polls_held, result.sockets_held) == (pollers, sockets)
    assert result.received == pollers + sockets
    assert result.rss_held_mib > 0 and result.rss_idle_mib > 0


def test_the_plan_measures_each_kind_alone_then_both() -> None:
    runs = bus.plan(10_000)
    assert [label for label, _, _ in runs] == ["long-poll", "websocket", "both"]
    assert runs[0][1:] == (10_000, 0) and runs[1][1:] == (0, 10_000)
    both = runs[2][1]
    assert runs[2][2] == both and 0 < both <= 10_000


@pytest.mark.parametrize("answer,ours", [
    (b'HTTP/1.1 200 OK\r\n\r\n{"jsonrpc":"2.0","id":1,"result":[{"id":3,"message":'
     b'{"type":"system_notification","payload":{"token":"t1"}}}]}', True),
    (b'HTTP/1.1 200 OK\r\n\r\n{"jsonrpc":"2.0","id":1,"result":[{"id":3,"message":'
     b'{"type":"system_notification","payload":{"token":"other"}}}]}', False),
    (b'HTTP/1.1 200 OK\r\n\r\n{"jsonrpc":"2.0","id":1,"result":[]}', False),
    (b'HTTP/1.1 500 Internal Server Error\r\n\r\n{}', False),
    (b"", False),
])
def test_a_long_poll_answer_is_ours_only_with_our_token(answer: bytes, ours: bool) -> None:
    assert bus.is_ours(bus.notifications_in(answer), "t1") is ours
