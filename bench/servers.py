"""Starting and stopping the servers under test, each as its own process.

Each run gets a fresh process, as in the baseline, so its RSS and CPU
figures are its own. The gateway runs as a user runs it (``gateway serve``,
configured only through ``GATEWAY_*``); the references run as
``python -m bench.ceiling_app`` / ``bench.floor_app`` with this repository on
``PYTHONPATH``. Output goes to a log file per process, shown when a process
fails to start.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

from .dataset import Target, clean_environ

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


class ServerError(RuntimeError):
    """A server did not come up, or died."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log_path: str
    stopped: bool = field(default=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            with open(self.log_path, errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"{self.name} exited with {self.process.returncode}:\n"
                                  f"{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise ServerError(f"{self.name} did not listen on {self.port} within {timeout:.0f}s:\n"
                          f"{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (a clean shutdown, which also lets cProfile write its file), then SIGKILL."""
        if self.stopped:
            return
        self.stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _start(name: str, cmd: list[str], cwd: str, env: dict[str, str], port: int) -> Server:
    log_path = os.path.join(cwd, f"{name.replace(' ', '_')}.log")
    log = open(log_path, "ab")
    try:
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    finally:
        log.close()
    server = Server(name, process, port, log_path)
    server.wait_ready()
    return server


def start_gateway(target: Target, profile_out: str = "") -> Server:
    """``gateway serve`` on a free port (``profile_out``: under cProfile, stats to that file)."""
    port = free_port()
    cmd = [os.path.join(BIN, "gateway"), "serve"]
    if profile_out:
        cmd = [sys.executable, "-m", "cProfile", "-o", profile_out] + cmd
    return _start("gateway", cmd, target.workdir, clean_environ(target.gateway_env(port)), port)


def _reference_env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return clean_environ({"PYTHONPATH": REPO + (os.pathsep + path if path else "")})


def start_ceiling(target: Target, routes: list[tuple[str, str, int, str]]) -> Server:
    """The static-bytes app: each route is (method, URL path, status, file of the answer body)."""
    port = free_port()
    cmd = [sys.executable, "-m", "bench.ceiling_app", "--port", str(port)]
    for method, path, status, body_file in routes:
        cmd += ["--route", method, path, str(status), body_file]
    return _start("ceiling", cmd, target.workdir, _reference_env(), port)


def start_floor(target: Target) -> Server:
    """The hand-written-SQL app on the same database and driver as the gateway."""
    port = free_port()
    cmd = [sys.executable, "-m", "bench.floor_app", "--port", str(port),
           "--pool-size", str(target.pool_size)]
    if target.kind == "postgresql":
        cmd += ["--pg-url", target.database_url]
    else:
        cmd += ["--sqlite", target.sqlite_path]
    return _start("db floor", cmd, target.workdir, _reference_env(), port)
