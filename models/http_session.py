"""Server-side web sessions (the ``session_id`` cookie), kept in the database.

Not an Odoo model: clients never see it. It lives here because the tables
of one database belong to one schema and one migration history; the
session storage in ``gateway/sessions.py`` reads and writes it.
"""
from __future__ import annotations

import peewee

from . import fields as F


class HttpSession(peewee.Model):
    sid = peewee.CharField(max_length=64, primary_key=True)
    uid = peewee.IntegerField(null=True, index=True)
    data = peewee.TextField()
    create_date = F.Datetime(required=True)
    expiry = F.Datetime(required=True, index=True)

    class Meta:
        table_name = "http_session"
