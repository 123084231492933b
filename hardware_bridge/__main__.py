"""``python -m hardware_bridge [--config bridge.toml]``: the bridge alone (standalone.py)."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from .standalone import ConfigError, load_config, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hardware_bridge",
        description="The hardware bridge alone: Odoo's IoT-box routes and a durable print "
                    "queue on a local SQLite file, next to the shop's printers.")
    parser.add_argument("--config", help="the bridge's TOML file (bridge.example.toml)")
    parser.add_argument("--log-level", default="info",
                        choices=["debug", "info", "warning", "error"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config)
    except (OSError, ValueError) as exc:     # tomllib's errors are ValueErrors too
        print(f"hardware bridge: bad configuration: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(config))
    except ConfigError as exc:
        print(f"hardware bridge: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
