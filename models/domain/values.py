"""Domain values converted to the type of the field they are compared with.

One function for both the SQL compiler and the Python evaluator, so that a
value accepted (or refused) by one is accepted (or refused) by the other.
"""
from __future__ import annotations

from typing import Any

from ..fields import normalize_date, normalize_datetime
from .normalize import leaf_repr

TEXT_TYPES = ("char", "text", "html", "selection")
ID_TYPES = ("integer", "many2one", "id")
#: Integer columns and ids are 32-bit (PostgreSQL int4): beyond, no row can
#: match and the driver would refuse the parameter.
INT4 = (-2**31, 2**31)


def convert_value(ftype: str, value: Any, triple: tuple) -> Any:
    """A domain value -> a value of the field's type (None for 'unset'); ValueError otherwise."""
    if value is None or value is False and ftype != "boolean":
        return None
    try:
        if ftype == "boolean":
            return bool(value)
        if ftype in TEXT_TYPES:
            if isinstance(value, (dict, list, tuple)):
                raise ValueError
            return str(value)
        if ftype in ID_TYPES:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            number = int(value) if isinstance(value, str) else value
            if not isinstance(number, int) or not INT4[0] <= number < INT4[1]:
                raise ValueError
            return number
        if ftype in ("float", "monetary"):
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError
            return number
        if ftype == "datetime":
            return normalize_datetime(value)
        if ftype == "date":
            return normalize_date(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"Invalid value {value!r} in leaf {leaf_repr(triple)}") from None
    if isinstance(value, (dict, list, tuple)):
        raise ValueError(f"Invalid value {value!r} in leaf {leaf_repr(triple)}")
    return value
