"""``gateway serve`` as a real process: both ports, the banner, OdooRPC, SIGTERM, workers.

The server runs on two free ports (``GATEWAY_HTTP_PORT``/``GATEWAY_API_PORT``) over a
temporary data_dir prepared with ``gateway db init`` and ``gateway demo``. Readiness is
the banner on stdout (printed once both ports listen), not a delay.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import odoorpc
import pytest

from gateway.demo import DEMO_USERS
from tests.test_cli import GATEWAY, cli_template, fails, gateway, gateway_env, ok  # noqa: F401

PROC = Path("/proc")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_ports() -> tuple[int, int]:
    while True:
        first, second = free_port(), free_port()
        if first != second:
            return first, second


class Server:
    """A running ``gateway serve``; ``banner`` holds what it printed when ready."""

    def __init__(self, env: dict[str, str], tmp_path: Path, demo: bool = True) -> None:
        self.demo = demo
        self.http_port, self.api_port = free_ports()
        self.env = dict(env, GATEWAY_HTTP_PORT=str(self.http_port),
                        GATEWAY_API_PORT=str(self.api_port))
        self.stderr_path = tmp_path / "serve.stderr"
        self.banner: list[str] = []
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> "Server":
        with open(self.stderr_path, "w") as stderr:
            self.proc = subprocess.Popen(
                [GATEWAY, "serve"], env=self.env, cwd=self.env["GATEWAY_DATA_DIR"], text=True,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr)
        assert self.proc.stdout is not None
        # The banner is printed after both sites listen; the line naming the database is
        # last but for the demo logins (dev profile only).
        for line in self.proc.stdout:
            self.banner.append(line.rstrip("\n"))
            if line.startswith("Database:"):
                break
        else:
            raise AssertionError(f"gateway serve exited ({self.proc.wait()}) before it was "
                                 f"ready:\n{self.stderr}")
        if self.demo and self.env.get("GATEWAY_PROFILE", "dev") != "production":
            self.banner.append(self.proc.stdout.readline().rstrip("\n"))
        return self

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}"

    def stop(self, signum: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        try:
            return self.proc.wait(timeout=30)
        finally:
            assert self.proc.stdout is not None
            self.proc.stdout.close()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()


@contextlib.contextmanager
def serving(env: dict[str, str], tmp_path: Path, demo: bool = True) -> Iterator[Server]:
    server = Server(env, tmp_path, demo).start()
    try:
        yield server
    finally:
        server.kill()   # no-op when the test stopped it already


def request(port: int, method: str, path: str, body: Any = None,
            headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """One request on a new connection; the status and the decoded JSON body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = None if body is None else json.dumps(body)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def version_info(port: int) -> dict[str, Any]:
    status, body = request(port, "POST", "/web/webclient/version_info",
                           {"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1})
    assert status == 200, body
    return body["result"]


@pytest.fixture
def prepared(cli_template: Path, tmp_path: Path) -> dict[str, str]:  # noqa: F811
    """A data_dir of its own after 'gateway db init' and 'gateway demo'."""
    import shutil
    data_dir = tmp_path / "data"
    shutil.copytree(cli_template, data_dir)
    return gateway_env(data_dir)


# -- one process ----------------------------------------------------------------------------


def test_serve_answers_on_both_ports_and_stops_on_sigterm(prepared: dict[str, str],
                                                          tmp_path: Path) -> None:
    with serving(prepared, tmp_path) as server:
        odoo_url, api_url = server.url(server.http_port), server.url(server.api_port)
        assert server.banner[0] == f"Odoo-compatible face (JSON-RPC, XML-RPC, JSON-2): {odoo_url}"
        assert server.banner[1].startswith("Mobile and web clients' port:")
        assert server.banner[1].endswith(api_url)
        assert server.banner[2].startswith("Database: gateway (sqlite:")
        demo_line = server.banner[3]
        assert demo_line.startswith("Demo logins: admin/admin")
        for user in DEMO_USERS:
            assert f"{user.login}/{user.login} ({user.role})" in demo_line

        for port in (server.http_port, server.api_port):
            info = version_info(port)
            assert info["server_version"] == "17.0"
            assert info["server_version_info"][:2] == [17, 0]
            assert request(port, "GET", "/web/health") == (200, {"status": "pass"})

        odoo = odoorpc.ODOO("127.0.0.1", port=server.http_port, timeout=30)
        odoo.login("gateway", "admin", "admin")
        assert odoo.env.uid == 2
        assert odoo.env["res.partner"].search_count([]) > 0
        assert odoo.db.list() == ["gateway"]
        odoo.logout()

        assert server.stop(signal.SIGTERM) == 0
    assert "Traceback" not in server.stderr, server.stderr


def test_serve_stops_cleanly_on_sigint(prepared: dict[str, str], tmp_path: Path) -> None:
    with serving(prepared, tmp_path) as server:
        assert request(server.http_port, "GET", "/web/health")[0] == 200
        assert server.stop(signal.SIGINT) == 0
    assert "Traceback" not in server.stderr, server.stderr


def test_demo_users_log_in_with_their_login_as_password(prepared: dict[str, str],
                                                        tmp_path: Path) -> None:
    with serving(prepared, tmp_path) as server:
        for user in DEMO_USERS:
            odoo = odoorpc.ODOO("127.0.0.1", port=server.http_port, timeout=30)
            odoo.login("gateway", user.login, user.login)
            assert odoo.env.user.login == user.login
            odoo.logout()
        assert server.stop() == 0


def test_serve_on_a_busy_port_is_a_clear_error(prepared: dict[str, str], tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = dict(prepared, GATEWAY_HTTP_PORT=str(port), GATEWAY_API_PORT=str(free_port()))
        message = fails(gateway(env, "serve"))
    assert str(port) in message and "address already in use" in message.lower()


def test_production_serves_once_every_problem_is_fixed(prepared: dict[str, str],
                                                       tmp_path: Path) -> None:
    ok(gateway(prepared, "user", "passwd", "admin", "--password", "a-strong-admin-password"))
    env = dict(prepared, GATEWAY_PROFILE="production", GATEWAY_ADMIN_PASSWD="master-pw",
               GATEWAY_SECRET_KEY="p" * 40, GATEWAY_LIST_DB="false")
    with serving(env, tmp_path) as server:
        assert not any(line.startswith("Demo logins") for line in server.banner)
        assert version_info(server.http_port)["server_version"] == "17.0"
        status, body = request(server.http_port, "POST", "/web/database/list",
                               {"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1})
        assert "error" in body and "result" not in body
        assert body["error"]["data"]["debug"] == ""    # no tracebacks in production
        odoo = odoorpc.ODOO("127.0.0.1", port=server.http_port, timeout=30)
        odoo.login("gateway", "admin", "a-strong-admin-password")
        odoo.logout()
        assert server.stop() == 0


# -- workers -------------------------------------------------------------------------------


def _tcp_sockets(port: int) -> dict[int, tuple[str, int]]:
    """inode -> (state, remote port) of the IPv4 sockets whose local port is ``port``."""
    found = {}
    for line in (PROC / "net" / "tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
        if int(local.split(":")[1], 16) == port and inode:
            found[inode] = ({"0A": "LISTEN", "01": "ESTABLISHED"}.get(state, state),
                            int(remote.split(":")[1], 16))
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        for fd in os.listdir(PROC / str(pid) / "fd"):
            with contextlib.suppress(FileNotFoundError):
                target = os.readlink(PROC / str(pid) / "fd" / fd)
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
    return inodes


def _children(pid: int) -> list[int]:
    children = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
    return children


def _listeners(pid: int, ports: tuple[int, ...]) -> dict[int, set[int]]:
    """pid -> the ports it listens on, for ``pid`` and its children."""
    listening = {inode for port in ports for inode, (state, _) in _tcp_sockets(port).items()
                 if state == "LISTEN"}
    result = {}
    for process in [pid, *_children(pid)]:
        mine = _socket_inodes(process) & listening
        if mine:
            result[process] = {port for port in ports for inode in mine
                               if inode in _tcp_sockets(port)}
    return result


@pytest.mark.skipif(not (PROC / "net" / "tcp").exists(), reason="needs Linux /proc")
def test_two_workers_share_both_ports(prepared: dict[str, str], tmp_path: Path) -> None:
    env = dict(prepared, GATEWAY_WORKERS="2")
    with serving(env, tmp_path) as server:
        assert server.proc is not None
        ports = (server.http_port, server.api_port)
        # The parent prints the banner once its own sites listen; wait for the worker's
        # (a bound for liveness only: a worker that died shows up here with its stderr).
        for _ in range(600):
            listeners = _listeners(server.proc.pid, ports)
            if len(listeners) >= 2 and all(found == set(ports) for found in listeners.values()):
                break
            assert server.proc.poll() is None, server.stderr
            time.sleep(0.1)
        assert len(listeners) == 2, (listeners, server.stderr)
        assert all(found == set(ports) for found in listeners.values()), listeners

        # Keep-alive connections, each answered: the kernel spreads new connections over
        # both processes' sockets (SO_REUSEPORT); see which process holds each one.
        connections = []
        for index in range(48):
            port = ports[index % 2]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/web/health")
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read()) == {"status": "pass"}
            connections.append((port, conn))
        try:
            answered_by = set()
            owners = {pid: _socket_inodes(pid) for pid in listeners}
            for port, conn in connections:
                client_port = conn.sock.getsockname()[1]
                [inode] = [inode for inode, (state, remote) in _tcp_sockets(port).items()
                           if state == "ESTABLISHED" and remote == client_port]
                [pid] = [pid for pid, inodes in owners.items() if inode in inodes]
                answered_by.add(pid)
            assert answered_by == set(listeners), (answered_by, listeners)
            for port in ports:
                assert version_info(port)["server_version"] == "17.0"
        finally:
            for _, conn in connections:
                conn.close()

        odoo = odoorpc.ODOO("127.0.0.1", port=server.http_port, timeout=30)
        odoo.login("gateway", "waiter", "waiter")
        assert odoo.env["pos.order"].search_count([]) > 0
        odoo.logout()

        workers = list(listeners)
        assert server.stop() == 0
        for pid in workers:
            assert not (PROC / str(pid)).exists() or \
                (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    assert "Traceback" not in server.stderr, server.stderr


def test_workers_on_postgresql_share_one_database(tmp_path: Path) -> None:
    from tests.test_cli import empty_pg_database
    with empty_pg_database() as url:
        env = gateway_env(tmp_path, database_url=url, workers=2)
        ok(gateway(env, "db", "init"))
        ok(gateway(env, "demo", "--days", "1"))
        with serving(env, tmp_path) as server:
            assert server.banner[2].startswith("Database: gateway (127.0.0.1:5432/")
            for port in (server.http_port, server.api_port):
                assert version_info(port)["server_version"] == "17.0"
            odoo = odoorpc.ODOO("127.0.0.1", port=server.api_port, timeout=30)
            odoo.login("gateway", "manager", "manager")
            assert odoo.env["product.product"].search_count([]) > 0
            odoo.logout()
            assert server.stop() == 0


def test_python_dash_m_gateway_is_the_same_command(prepared: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", "gateway", "db", "status"], env=prepared,
                            cwd=prepared["GATEWAY_DATA_DIR"], text=True, capture_output=True,
                            timeout=60)
    assert result.returncode == 0 and "0001_initial_schema: applied" in result.stdout


def test_no_demo_logins_are_announced_without_demo_data(tmp_path: Path) -> None:
    (tmp_path / "bare").mkdir()
    env = gateway_env(tmp_path / "bare")
    ok(gateway(env, "db", "init"))
    with serving(env, tmp_path, demo=False) as server:
        assert server.banner[2].startswith("Database: gateway")
        assert server.stop() == 0
        assert server.proc is not None
        rest = server.proc.stdout.read() if not server.proc.stdout.closed else ""
        assert not any(line.startswith("Demo logins")
                       for line in server.banner + rest.splitlines())
