"""Access control, in one place for every front.

Two layers, as in Odoo:

* model rights per group (``ir.model.access``): may this user read, write,
  create or unlink records of this model at all;
* record rules (``ir.rule``): which records. Every table that belongs to a
  restaurant has a ``company_id``; its rule confines every query to the
  companies active in the context (the user's own restaurants, or a platform
  owner's). The ORM applies both to every search, read, write and unlink,
  so no handler ever filters by restaurant by hand.

Records hidden by a rule are never found by a search nor counted by
``search_count``; reading, writing or deleting one by id is Odoo's
``AccessError`` (the message gives ids only, nothing of the record). See
``docs/decisions.md``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .exceptions import AccessError

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env


@dataclass(frozen=True)
class Group:
    xmlid: str
    name: str
    category: str
    implied: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.category}/{self.name}" if self.category else self.name


USER = "base.group_user"
SYSTEM = "base.group_system"
ERP_MANAGER = "base.group_erp_manager"
POS_USER = "point_of_sale.group_pos_user"
POS_MANAGER = "point_of_sale.group_pos_manager"
PLATFORM_OWNER = "gateway.group_platform_owner"
KITCHEN = "gateway.group_kitchen"

GROUPS: tuple[Group, ...] = (
    Group(USER, "Internal User", "User types"),
    Group(POS_USER, "User", "Point of Sale", (USER,)),
    Group(KITCHEN, "Kitchen", "Point of Sale", (USER,)),
    Group(POS_MANAGER, "Administrator", "Point of Sale", (POS_USER,)),
    Group(PLATFORM_OWNER, "Platform Owner", "Restaurant Platform", (POS_MANAGER, ERP_MANAGER)),
    Group(ERP_MANAGER, "Access Rights", "Administration", (USER,)),
    Group(SYSTEM, "Settings", "Administration", (ERP_MANAGER, PLATFORM_OWNER)),
)
GROUPS_BY_XMLID = {group.xmlid: group for group in GROUPS}


def implied_closure(xmlids: set[str] | frozenset[str]) -> frozenset[str]:
    """A set of groups with every group they imply, transitively."""
    result = set(xmlids)
    todo = list(xmlids)
    while todo:
        group = GROUPS_BY_XMLID.get(todo.pop())
        for implied in group.implied if group else ():
            if implied not in result:
                result.add(implied)
                todo.append(implied)
    return frozenset(result)


READ, WRITE, CREATE, UNLINK = "read", "write", "create", "unlink"
_LETTER = {READ: "r", WRITE: "w", CREATE: "c", UNLINK: "u"}

#: Model rights: model -> {group: letters (r)ead (w)rite (c)reate (u)nlink}.
#: base.group_system holds every right on every model.
ACCESS: dict[str, dict[str, str]] = {
    "res.company": {USER: "r", PLATFORM_OWNER: "rwcu", POS_MANAGER: "rw"},
    "res.users": {USER: "r", ERP_MANAGER: "rwcu", POS_MANAGER: "rwc"},
    "res.users.apikeys": {ERP_MANAGER: "r"},
    "res.groups": {USER: "r", ERP_MANAGER: "rwcu"},
    "res.country": {USER: "r"},
    "res.currency": {USER: "r"},
    "res.partner": {USER: "rwc", POS_MANAGER: "rwcu"},
    "product.category": {USER: "r", POS_MANAGER: "rwcu"},
    "pos.category": {USER: "r", POS_MANAGER: "rwcu"},
    "product.product": {USER: "r", POS_MANAGER: "rwcu"},
    "account.tax": {USER: "r", POS_MANAGER: "rwcu"},
    "pos.config": {USER: "r", POS_MANAGER: "rwcu"},
    "pos.session": {USER: "r", POS_USER: "rwc", POS_MANAGER: "rwcu"},
    "pos.payment.method": {USER: "r", POS_MANAGER: "rwcu"},
    "pos.order": {POS_USER: "rwc", KITCHEN: "rw", POS_MANAGER: "rwcu"},
    "pos.order.line": {POS_USER: "rwcu", KITCHEN: "rw"},
    "pos.payment": {POS_USER: "rwc", POS_MANAGER: "rwcu"},
    "restaurant.floor": {USER: "r", POS_MANAGER: "rwcu"},
    "restaurant.table": {USER: "r", POS_USER: "rw", POS_MANAGER: "rwcu"},
    "restaurant.reservation": {POS_USER: "rwc", POS_MANAGER: "rwcu"},
    # Quantities change only through sales and stock.quant.adjust (managers: "w").
    "stock.quant": {USER: "r", POS_MANAGER: "rw"},
    "stock.move": {POS_MANAGER: "r"},
    "ir.model": {USER: "r"},
    "audit.log": {POS_MANAGER: "r"},
    "pos.report.sales": {POS_MANAGER: "r"},
    "ir.model.data": {USER: "r"},
    # Effective flags are the platform's overridden by the restaurant's; who may write
    # which is the model's check (restaurant managers, platform owners).
    "gateway.feature.flag": {USER: "r", POS_MANAGER: "rwcu"},
    # Balances and moves are written by models/loyalty.py only (as the superuser, naming
    # the cashier or manager as author); a manager's adjustment needs write on cards.
    "loyalty.program": {USER: "r", POS_MANAGER: "rwc"},
    "loyalty.card": {POS_USER: "r", POS_MANAGER: "rw"},
    "loyalty.move": {POS_USER: "r"},
    # Printers are configured by managers (their address is checked against the printer
    # networks); staff read them to print. Jobs are created by printing (models/hardware.py
    # _enqueue) and change state through its methods only: cancel (POS users), retry
    # (managers); nobody writes their bytes or state through the generic ORM.
    "hw.printer": {USER: "r", POS_MANAGER: "rwcu"},
    "hw.print.job": {USER: "r"},
}

_VERB = {READ: "access", WRITE: "modify", CREATE: "create", UNLINK: "delete"}


@functools.lru_cache(maxsize=None)
def groups_allowed(model_name: str, operation: str) -> frozenset[str]:
    letter = _LETTER[operation]
    return frozenset(group for group, letters in ACCESS.get(model_name, {}).items()
                     if letter in letters)


def has_access(env: "Env", model: Any, operation: str) -> bool:
    if env.su:
        return True
    user = env.user
    assert user is not None
    return SYSTEM in user.groups or not groups_allowed(model._name, operation).isdisjoint(user.groups)


def check_access(env: "Env", model: Any, operation: str) -> None:
    """Model rights; raises Odoo's AccessError with the groups that would allow it."""
    if has_access(env, model, operation):
        return
    message = (f"You are not allowed to {_VERB[operation]} '{model._description or model._name}' "
               f"({model._name}) records.")
    allowed = sorted(GROUPS_BY_XMLID[g].full_name for g in groups_allowed(model._name, operation)
                     if g in GROUPS_BY_XMLID)
    if allowed:
        message += "\n\nThis operation is allowed for the following groups:\n" + "\n".join(
            f"\t- {name}" for name in allowed)
    message += "\n\nContact your administrator to request access if necessary."
    raise AccessError(message)


def rule_error(env: "Env", model: Any, operation: str, ids: list[int]) -> AccessError:
    """Odoo 17's message for records a record rule hides from the caller."""
    user = env.user
    who = f"{user.login} (id={user.id})" if user else f"id={env.uid}"
    kind = model._description or model._name
    return AccessError(
        f"Due to security restrictions, you are not allowed to {_VERB[operation]} '{kind}' "
        f"({model._name}) records.\n\nRecords: {model._name}({', '.join(map(str, ids))},)\n"
        f"User: {who}\n\nThis restriction is due to the record rules of the companies "
        "(restaurants) you have access to.\n\nContact your administrator to request access if "
        "necessary.")


def rule_domain(env: "Env", model: Any) -> list[Any] | None:
    """The record rule of ``model`` for this environment (None: no restriction)."""
    if env.su:
        return None
    rule = getattr(model, "_record_rule", None)
    if rule is not None:
        return rule(env)
    if "company_id" in model._fields and model._fields["company_id"].is_column:
        return ["|", ("company_id", "=", False), ("company_id", "in", list(env.companies))]
    return None


def check_company_values(env: "Env", model: Any, company_id: Any) -> None:
    """A record may only be put in a company the caller has active (no mass assignment)."""
    if env.su or company_id in (None, False):
        return
    if company_id not in env.companies:
        raise AccessError(
            f"You cannot assign a {model._description or model._name} to a company you do not "
            f"have active (company {company_id}).")


#: Groups that carry rights over users, groups or companies: the ones to climb to.
PRIVILEGED = frozenset({SYSTEM, *(group for model in ("res.users", "res.groups", "res.company")
                                  for group, letters in ACCESS[model].items()
                                  if set(letters) - {"r"})})


def check_user_management(env: "Env", targets: list[Any], granted: frozenset[str]) -> None:
    """No way up for those who manage staff without Access Rights (OWASP API3/API5).

    A restaurant manager may create and edit users, but may not grant a
    privileged group they lack (nor a group unknown here), nor edit a user
    (password included) who holds one, or who works in a restaurant they do
    not: else they could make themselves administrator, or take over the
    platform owner's account, and read every restaurant. ``targets`` are the
    edited users' ``UserInfo`` (None: archived).
    """
    if env.su:
        return
    user = env.user
    assert user is not None
    if user.has_group(ERP_MANAGER):     # Access Rights (implied by Settings and owners)
        return
    mine = set(user.allowed_company_ids)
    for target in targets:
        if target is None or (target.groups & PRIVILEGED) - user.groups or not set(
                target.allowed_company_ids) <= mine:
            raise AccessError("You cannot modify a user who has more rights than you, or who "
                              "works in a restaurant you do not manage.")
    unknown = any(group not in GROUPS_BY_XMLID for group in granted)
    if unknown or (granted & PRIVILEGED) - user.groups:
        raise AccessError("You cannot grant a group you do not have yourself.")
