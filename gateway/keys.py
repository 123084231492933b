"""Typed application keys: everything the app holds is reached through these."""
from __future__ import annotations

from aiohttp import web

from models.db import Backend

from .config import Config
from .sessions import DatabaseStorage

CONFIG = web.AppKey("config", Config)
BACKEND = web.AppKey("backend", Backend)
SESSIONS = web.AppKey("sessions", DatabaseStorage)
