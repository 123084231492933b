"""Server version answers (``common.version``, ``/web/webclient/version_info``)."""
from __future__ import annotations

import re
from typing import Any


def version_info(server_version: str) -> list[Any]:
    """'17.0' -> [17, 0, 0, 'final', 0, ''] (the serie is what clients parse)."""
    match = re.match(r"(\d+)\.(\d+)", server_version)
    if not match:
        raise ValueError(f"invalid server version {server_version!r}")
    major, minor = int(match.group(1)), int(match.group(2))
    return [major, minor, 0, "final", 0, ""]


def serie(server_version: str) -> str:
    major, minor = version_info(server_version)[:2]
    return f"{major}.{minor}"


def version(server_version: str) -> dict[str, Any]:
    return {
        "server_version": server_version,
        "server_version_info": version_info(server_version),
        "server_serie": serie(server_version),
        "protocol_version": 1,
    }
