"""``session_info``: what ``/web/session/authenticate`` and ``get_session_info`` answer.

Built from plain data so that its shape (Odoo 17's keys, with 16's
``company_id`` kept for older frontends) is tested on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .version import version_info


@dataclass(frozen=True)
class SessionUser:
    uid: int
    name: str
    login: str
    partner_id: int | None
    partner_display_name: str
    company_id: int
    lang: str
    tz: str | None
    is_system: bool
    is_admin: bool
    is_internal: bool
    companies: list[dict[str, Any]] = field(default_factory=list)     # allowed, in order
    currencies: dict[int, dict[str, Any]] = field(default_factory=dict)
    current_company_id: int | None = None


def session_info(user: SessionUser, db: str, server_version: str, base_url: str,
                 bus_last_id: int = 0) -> dict[str, Any]:
    current = user.current_company_id or user.company_id
    allowed_ids = [company["id"] for company in user.companies]
    info: dict[str, Any] = {
        "uid": user.uid,
        "is_system": user.is_system,
        "is_admin": user.is_admin,
        "is_public": False,
        "is_internal_user": user.is_internal,
        "user_context": {"lang": user.lang or "en_US", "tz": user.tz or False, "uid": user.uid},
        "db": db,
        "server_version": server_version,
        "server_version_info": version_info(server_version),
        "support_url": "https://www.odoo.com/buy",
        "name": user.name,
        "username": user.login,
        "partner_display_name": user.partner_display_name,
        "company_id": current,
        "partner_id": user.partner_id,
        "web.base.url": base_url,
        "active_ids_limit": 20000,
        "profile_session": None,
        "profile_collectors": None,
        "profile_params": None,
        "max_file_upload_size": 134217728,
        "home_action_id": False,
        "cache_hashes": {},
        "currencies": {str(cid): spec for cid, spec in user.currencies.items()},
        "bundle_params": {"lang": user.lang or "en_US"},
        "user_settings": {},
        "dbuuid": None,
        "bus_last_id": bus_last_id,
    }
    if user.is_internal:
        info["user_companies"] = {
            "current_company": current,
            "allowed_companies": {
                str(company["id"]): {
                    "id": company["id"], "name": company["name"],
                    "sequence": company.get("sequence", 10),
                    "child_ids": [c for c in company.get("child_ids", []) if c in allowed_ids],
                    "parent_id": company.get("parent_id") or False,
                } for company in user.companies
            },
            "disallowed_ancestor_companies": {},
        }
        info["show_effect"] = True
        info["display_switch_company_menu"] = len(user.companies) > 1
        info["user_context"]["allowed_company_ids"] = [current] + [
            cid for cid in allowed_ids if cid != current]
    return info
