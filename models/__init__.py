"""Peewee models with Odoo names, the registry, and the business methods.

This package knows nothing of HTTP, JSON-RPC or REST. ``MODELS`` is the
explicit list of registered models; ``make_registry`` builds the per-database
registry the fronts resolve model names with.
"""
from __future__ import annotations

from typing import Any

from .access_version import AccessVersion
from .audit import AuditLog
from .auth_token import ResUsersAuthToken
from .bus import BusBus
from .bus_presence import BusPresence
from .feature_flag import GatewayFeatureFlag
from .hardware import HwPrinter, HwPrintJob
from .http_session import HttpSession
from .ir_model import IrModel, IrModelData
from .loyalty import LoyaltyCard, LoyaltyMove, LoyaltyProgram
from .pos_config import PosConfig, PosPaymentMethod
from .pos_order import PosOrder, PosOrderLine, PosPayment
from .pos_session import PosSession
from .product import AccountTax, PosCategory, ProductCategory, ProductProduct
from .registry import Registry
from .reports import PosReportSales
from .res_company import ResCompany, ResCountry, ResCurrency
from .res_partner import ResPartner
from .res_users import ResGroups, ResUsers, ResUsersApikeys
from .restaurant import RestaurantFloor, RestaurantReservation, RestaurantTable
from .staff_pin import ResUsersPosPin
from .stock import StockMove, StockQuant

MODELS: list[type] = [
    ResCurrency, ResCountry, ResCompany, ResPartner, ResGroups, ResUsers, ResUsersApikeys,
    ResUsersAuthToken, ResUsersPosPin, IrModel, IrModelData,
    ProductCategory, PosCategory, AccountTax, ProductProduct,
    PosPaymentMethod, PosConfig, PosSession, PosOrder, PosOrderLine, PosPayment,
    RestaurantFloor, RestaurantTable, RestaurantReservation,
    StockQuant, StockMove,
    LoyaltyProgram, LoyaltyCard, LoyaltyMove,
    AuditLog, PosReportSales, GatewayFeatureFlag,
    HwPrinter, HwPrintJob,
]

#: Tables that are not Odoo models but share the schema.
SUPPORT_TABLES: list[type] = [HttpSession, AccessVersion, BusBus, BusPresence]


def make_registry(backend_kind: str, options: dict[str, Any] | None = None) -> Registry:
    return Registry(MODELS, backend_kind, options)
