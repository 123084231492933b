"""Odoo-flavoured peewee fields.

Each column field is a real peewee field (so peewee builds the schema, the
migrations and the SQL) that also carries what Odoo clients see of it: its
Odoo type, label, selection, relation, and the two value conversions that
Odoo's ``fields.py`` defines (``convert_to_read`` for what ``read`` returns,
``convert_to_column`` for what ``create``/``write`` accept). ``fields_get``
is derived from these objects; there is no second hand-kept list.

Raw values coming out of the database are the same on both backends: the
SQLite connection returns text for dates and datetimes, and the PostgreSQL
connection is given text codecs for them (see ``models/db.py``), so the
conversions below never branch on the backend.

x2many fields and computed fields are not columns: they are plain
descriptors that the ORM in ``models/base.py`` reads and writes with extra
queries.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
from typing import Any, Callable, Iterable

import peewee

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

class _Missing:
    """No default. A singleton that stays one when peewee deep-copies inherited fields."""

    def __deepcopy__(self, memo: Any) -> "_Missing":
        return self

    def __copy__(self) -> "_Missing":
        return self

    def __repr__(self) -> str:
        return "<no default>"


_MISSING = _Missing()


def _label_from_name(name: str) -> str:
    label = name[:-3] if name.endswith("_id") else name[:-4] if name.endswith("_ids") else name
    return label.replace("_", " ").title()


class OdooField:
    """The Odoo side of a field: metadata and value formats.

    Mixed into peewee column classes below, and used alone for the fields
    that are not columns (x2many, computed).
    """

    ttype = "char"
    is_column = True
    #: What ``read`` answers for NULL.
    empty: Any = False

    def _init_odoo(
        self,
        string: str | None = None,
        help: str | None = None,
        required: bool = False,
        readonly: bool = False,
        default: Any = _MISSING,
        groups: str | None = None,
        copy: bool = True,
        store: bool = True,
    ) -> None:
        self.string = string
        self.help = help
        self.required = required
        self.readonly = readonly
        self.odoo_default = default
        self.groups = groups
        self.copyable = copy
        self.store = store
        self.odoo_name: str | None = None

    # -- metadata --------------------------------------------------------
    @property
    def label(self) -> str:
        return self.string or _label_from_name(self.odoo_name or "")

    def has_default(self) -> bool:
        return self.odoo_default is not _MISSING

    def default_value(self, env: Any) -> Any:
        value = self.odoo_default
        return value(env) if callable(value) else value

    def description(self) -> dict[str, Any]:
        """The attributes Odoo 17's ``Field.get_description`` emits."""
        desc: dict[str, Any] = {
            "type": self.ttype,
            "string": self.label,
            "name": self.odoo_name,
            "required": bool(self.required),
            "readonly": bool(self.readonly),
            "store": bool(self.store),
            "manual": False,
            "company_dependent": False,
            "change_default": False,
            "depends": [],
            "exportable": True,
            "searchable": bool(self.store) or self.searchable_when_computed,
            "sortable": bool(self.store and self.is_column),
        }
        if self.help:
            desc["help"] = self.help
        if self.groups:
            desc["groups"] = self.groups
        desc.update(self._extra_description())
        return desc

    searchable_when_computed = False

    def _extra_description(self) -> dict[str, Any]:
        return {}

    # -- values ----------------------------------------------------------
    def convert_to_read(self, value: Any) -> Any:
        """Raw database value -> the value ``read`` answers."""
        return self.empty if value is None else value

    def read_expr(self, src: str, conv: list[Any]) -> str:
        """``convert_to_read`` as a Python expression over ``src`` (a row cell).

        Read plans inline these into one generated row builder; a field type
        without a cheap expression falls back to calling its converter.
        """
        conv.append(self.convert_to_read)
        return f"conv[{len(conv) - 1}]({src})"

    def convert_to_column(self, value: Any) -> Any:
        """A value a client sent to ``create``/``write`` -> the database parameter."""
        return None if value is False or value is None else value


# ---------------------------------------------------------------------------
# Column fields
# ---------------------------------------------------------------------------

class _Column(OdooField):
    def __init__(self, string: str | None = None, *, help: str | None = None,
                 required: bool = False, readonly: bool = False, default: Any = _MISSING,
                 groups: str | None = None, copy: bool = True, index: bool = False,
                 unique: bool = False, null: bool | None = None, **peewee_kwargs: Any) -> None:
        self._init_odoo(string, help, required, readonly, default, groups, copy)
        if null is None:
            null = not required
        super().__init__(null=null, index=index, unique=unique, **peewee_kwargs)  # type: ignore[call-arg]

    def bind(self, model: Any, name: str, set_attribute: bool = True) -> None:
        self.odoo_name = name
        super().bind(model, name, set_attribute)  # type: ignore[misc]

    def read_expr(self, src: str, conv: list[Any]) -> str:
        if self.empty is False and type(self).convert_to_read is OdooField.convert_to_read:
            return f"({src} if {src} is not None else False)"
        return super().read_expr(src, conv)

    def db_value(self, value: Any) -> Any:
        # Values reach the database through convert_to_column; peewee must not
        # second-guess them (its adapters would reformat dates, for instance).
        return value

    def python_value(self, value: Any) -> Any:
        return value


class Id(_Column, peewee.AutoField):
    ttype = "integer"

    def read_expr(self, src: str, conv: list[Any]) -> str:
        return src

    def __init__(self) -> None:
        super().__init__("ID", readonly=True, null=False)


class Char(_Column, peewee.TextField):
    ttype = "char"

    def __init__(self, string: str | None = None, *, size: int | None = None,
                 translate: bool = False, trim: bool = True, **kwargs: Any) -> None:
        self.size = size
        self.translate = translate
        self.trim = trim
        super().__init__(string, **kwargs)

    def _extra_description(self) -> dict[str, Any]:
        desc: dict[str, Any] = {"translate": self.translate, "trim": self.trim}
        if self.size:
            desc["size"] = self.size
        return desc

    def convert_to_column(self, value: Any) -> Any:
        if value is None or value is False:
            return None
        if isinstance(value, (dict, list, tuple)):
            raise ValueError(f"Wrong value for {self.model._name}.{self.odoo_name}: {value!r}")
        value = str(value)
        if self.size and len(value) > self.size:
            value = value[: self.size]
        return value


class Text(Char):
    ttype = "text"

    def _extra_description(self) -> dict[str, Any]:
        return {"translate": self.translate}


class Html(Text):
    ttype = "html"

    def _extra_description(self) -> dict[str, Any]:
        return {"translate": self.translate, "sanitize": True}


class Selection(_Column, peewee.TextField):
    ttype = "selection"

    def __init__(self, selection: Iterable[tuple[str, str]], string: str | None = None,
                 **kwargs: Any) -> None:
        self.selection = [list(pair) for pair in selection]
        self.keys = {key for key, _label in self.selection}
        super().__init__(string, **kwargs)

    def _extra_description(self) -> dict[str, Any]:
        return {"selection": self.selection}

    def convert_to_column(self, value: Any) -> Any:
        if value is None or value is False:
            return None
        if value not in self.keys:
            raise ValueError(f"Wrong value for {self.model._name}.{self.odoo_name}: {value!r}")
        return value


class Boolean(_Column, peewee.BooleanField):
    ttype = "boolean"

    def read_expr(self, src: str, conv: list[Any]) -> str:
        return f"bool({src})"

    def convert_to_read(self, value: Any) -> Any:
        return bool(value)

    def convert_to_column(self, value: Any) -> Any:
        if isinstance(value, (dict, list)):
            raise ValueError(f"Wrong value for {self.model._name}.{self.odoo_name}: {value!r}")
        return bool(value)


class Integer(_Column, peewee.IntegerField):
    ttype = "integer"
    empty = 0

    def read_expr(self, src: str, conv: list[Any]) -> str:
        return f"({src} or 0)"

    def _extra_description(self) -> dict[str, Any]:
        return {"group_operator": "sum"}

    def convert_to_column(self, value: Any) -> Any:
        if isinstance(value, bool) or value is None:
            return int(value or 0)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"Wrong value for {self.model._name}.{self.odoo_name}: {value!r}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"Wrong value for {self.model._name}.{self.odoo_name}: {value!r}") from None
        if not -2**31 <= number < 2**31:
            raise ValueError(f"Integer out of range for {self.model._name}.{self.odoo_name}: {value!r}")
        return number


def _to_float(field: OdooField, value: Any) -> float:
    if value is None or value is False:
        return 0.0
    if isinstance(value, (dict, list, tuple, bool)):
        raise ValueError(f"Wrong value for {field.model._name}.{field.odoo_name}: {value!r}")  # type: ignore[attr-defined]
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Wrong value for {field.model._name}.{field.odoo_name}: {value!r}") from None  # type: ignore[attr-defined]
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"Wrong value for {field.model._name}.{field.odoo_name}: {value!r}")  # type: ignore[attr-defined]
    return number


class Float(_Column, peewee.DoubleField):
    """A float. With ``digits`` it is stored as NUMERIC(precision, scale), exact, as
    money must be; without, as a double."""

    ttype = "float"
    empty = 0.0

    def __init__(self, string: str | None = None, *, digits: tuple[int, int] | None = None,
                 **kwargs: Any) -> None:
        self.digits = digits
        super().__init__(string, **kwargs)
        if digits:
            self.field_type = "DECIMAL"

    def get_modifiers(self) -> list[int] | None:
        return list(self.digits) if self.digits else None

    def _extra_description(self) -> dict[str, Any]:
        desc: dict[str, Any] = {"group_operator": "sum"}
        if self.digits:
            desc["digits"] = list(self.digits)
        return desc

    def convert_to_read(self, value: Any) -> Any:
        return 0.0 if value is None else float(value)

    def read_expr(self, src: str, conv: list[Any]) -> str:
        return f"(float({src}) if {src} is not None else 0.0)"

    def convert_to_column(self, value: Any) -> Any:
        if isinstance(value, decimal.Decimal):
            if not value.is_finite():
                raise ValueError(f"Wrong value for {self.model._name}.{self.odoo_name}: {value!r}")
            return value
        return _to_float(self, value)


class Monetary(Float):
    ttype = "monetary"

    def __init__(self, string: str | None = None, *, currency_field: str = "currency_id",
                 **kwargs: Any) -> None:
        self.currency_field = currency_field
        super().__init__(string, digits=(16, 2), **kwargs)

    def _extra_description(self) -> dict[str, Any]:
        return {"group_operator": "sum", "currency_field": self.currency_field}


def normalize_date(value: Any) -> str:
    """Any date-like client value -> 'YYYY-MM-DD' (ValueError otherwise)."""
    if isinstance(value, dt.datetime):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10]).strftime(DATE_FORMAT)
    raise ValueError(f"Invalid date {value!r}")


def normalize_datetime(value: Any) -> str:
    """Any datetime-like client value -> 'YYYY-MM-DD HH:MM:SS' UTC (ValueError otherwise)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT) + " 00:00:00"
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            return dt.date.fromisoformat(text).strftime(DATE_FORMAT) + " 00:00:00"
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return normalize_datetime(parsed)
    raise ValueError(f"Invalid datetime {value!r}")


class Date(_Column, peewee.DateField):
    ttype = "date"

    def convert_to_column(self, value: Any) -> Any:
        if value is None or value is False or value == "":
            return None
        try:
            return normalize_date(value)
        except (TypeError, ValueError):
            raise ValueError(f"Wrong value for {self.model._name}.{self.odoo_name}: {value!r}") from None


class Datetime(_Column, peewee.DateTimeField):
    ttype = "datetime"

    def convert_to_column(self, value: Any) -> Any:
        if value is None or value is False or value == "":
            return None
        try:
            return normalize_datetime(value)
        except (TypeError, ValueError):
            raise ValueError(f"Wrong value for {self.model._name}.{self.odoo_name}: {value!r}") from None


class Binary(_Column, peewee.BlobField):
    """Binary content; travels as base64 text, as in Odoo."""

    ttype = "binary"

    def _extra_description(self) -> dict[str, Any]:
        return {"attachment": False}

    def convert_to_read(self, value: Any) -> Any:
        if value is None:
            return False
        return base64.b64encode(bytes(value)).decode("ascii")

    def convert_to_column(self, value: Any) -> Any:
        if value is None or value is False or value == "":
            return None
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        try:
            return base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"Wrong value for {self.model._name}.{self.odoo_name}: not base64") from None


class Many2oneColumn(_Column, peewee.ForeignKeyField):
    """The resolved many2one column (created by :class:`Many2one`)."""

    ttype = "many2one"

    def __init__(self, rel_model: Any, *, odoo: dict[str, Any], **kwargs: Any) -> None:
        self.comodel_name = odoo.pop("comodel_name")
        self.ondelete = odoo.pop("ondelete")
        self.domain = odoo.pop("domain")
        self.auto_join = odoo.pop("auto_join")
        super().__init__(model=rel_model, **odoo, **kwargs)

    def _extra_description(self) -> dict[str, Any]:
        return {"relation": self.comodel_name, "domain": self.domain, "context": {}}

    def convert_to_column(self, value: Any) -> Any:
        if value is None or value is False or value == 0:
            return None
        if isinstance(value, (list, tuple)) and value and not isinstance(value[0], (list, tuple)):
            value = value[0]          # an [id, name] pair, as read() gives it
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.isdigit():
                return int(value)
            raise ValueError(f"Wrong value for {self.model._name}.{self.odoo_name}: {value!r}")
        return value


class Many2one(peewee.DeferredForeignKey):
    """A many2one declared by Odoo model name.

    peewee resolves a foreign key by class; we declare it by the comodel's
    Odoo name (``Many2one('res.partner')``) and let the registry resolve it
    once every model class exists (models may refer to each other in any
    order). ``constraint=False`` leaves the database foreign key out, for the
    one cycle in the schema (company <-> partner) and for audit columns.
    """

    def __init__(self, comodel_name: str, string: str | None = None, *,
                 ondelete: str | None = None, required: bool = False, readonly: bool = False,
                 help: str | None = None, default: Any = _MISSING, index: bool = True,
                 domain: Any = None, groups: str | None = None, copy: bool = True,
                 constraint: bool = True, auto_join: bool = False, unique: bool = False) -> None:
        self.comodel_name = comodel_name
        self.constraint = constraint
        self.one_per_target = unique    # a UNIQUE index instead of the plain one
        if ondelete is None:   # Odoo's default: a required link must not silently vanish
            ondelete = "restrict" if required else "set null"
        self.odoo_kwargs = dict(string=string, help=help, required=required, readonly=readonly,
                                default=default, groups=groups, copy=copy, index=index,
                                comodel_name=comodel_name, ondelete=ondelete,
                                domain=domain or [], auto_join=auto_join)
        on_delete = {"set null": "SET NULL", "restrict": "RESTRICT", "cascade": "CASCADE"}[ondelete]
        super().__init__(class_name_for(comodel_name), null=not required, on_delete=on_delete,
                         backref="+")

    def __deepcopy__(self, memo: Any = None) -> "Many2one":
        clone = Many2one.__new__(Many2one)
        clone.__dict__.update(self.__dict__)
        peewee.DeferredForeignKey._unresolved.add(clone)
        return clone

    def set_model(self, rel_model: Any) -> None:
        odoo = dict(self.odoo_kwargs)
        field = Many2oneColumn(rel_model, odoo=odoo, on_delete=self.field_kwargs["on_delete"],
                               backref="+", _deferred=not self.constraint, unique=self.one_per_target,
                               column_name=self.name)   # Odoo's column is the field name
        self.model._meta.add_field(self.name, field)


def class_name_for(odoo_name: str) -> str:
    """'pos.order.line' -> 'PosOrderLine': the class-name convention models follow."""
    return "".join(part.title() for part in odoo_name.replace("_", ".").split("."))


# ---------------------------------------------------------------------------
# Fields that are not columns
# ---------------------------------------------------------------------------

class Virtual(OdooField):
    """A field without a column; set up by the model class body."""

    is_column = False

    def __set_name__(self, owner: Any, name: str) -> None:
        self.odoo_name = name
        self.model = owner


class One2many(Virtual):
    ttype = "one2many"
    empty: Any = ()

    def __init__(self, comodel_name: str, inverse_name: str, string: str | None = None, *,
                 help: str | None = None, readonly: bool = False, copy: bool = False,
                 domain: Any = None, groups: str | None = None) -> None:
        self._init_odoo(string, help, False, readonly, _MISSING, groups, copy, store=True)
        self.comodel_name = comodel_name
        self.inverse_name = inverse_name
        self.domain = domain or []

    def _extra_description(self) -> dict[str, Any]:
        return {"relation": self.comodel_name, "relation_field": self.inverse_name,
                "domain": self.domain, "context": {}}


class Many2many(Virtual):
    ttype = "many2many"
    empty: Any = ()

    def __init__(self, comodel_name: str, relation: str | None = None,
                 column1: str | None = None, column2: str | None = None,
                 string: str | None = None, *, help: str | None = None,
                 readonly: bool = False, copy: bool = True, domain: Any = None,
                 groups: str | None = None, default: Any = _MISSING) -> None:
        self._init_odoo(string, help, False, readonly, default, groups, copy, store=True)
        self.comodel_name = comodel_name
        self.relation = relation
        self.column1 = column1
        self.column2 = column2
        self.domain = domain or []

    def setup_relation(self, table: str, comodel_table: str) -> None:
        """Odoo's naming of the relation table and its columns, unless given."""
        if not self.relation:
            self.relation = "%s_%s_rel" % tuple(sorted([table, comodel_table]))
        self.column1 = self.column1 or f"{table}_id"
        self.column2 = self.column2 or f"{comodel_table}_id"
        if self.column1 == self.column2:
            raise TypeError(f"{table}.{self.odoo_name}: a self many2many needs column names")

    def _extra_description(self) -> dict[str, Any]:
        return {"relation": self.comodel_name, "domain": self.domain, "context": {}}


class Computed(Virtual):
    """A read-only value computed from stored columns of the same row.

    ``compute`` receives a dict of the raw values of ``depends`` and returns
    the read value. Searching on it goes through ``search`` (a function that
    turns ``(operator, value)`` into a domain on stored fields), if given.
    """

    def __init__(self, ttype: str, compute: Callable[[dict[str, Any]], Any],
                 depends: Iterable[str], string: str | None = None, *,
                 search: Callable[[str, Any], list[Any]] | None = None,
                 help: str | None = None) -> None:
        self._init_odoo(string, help, False, True, _MISSING, None, False, store=False)
        self.ttype = ttype
        self.compute = compute
        self.depends = tuple(depends)
        self.search = search
        self.searchable_when_computed = search is not None

    def description(self) -> dict[str, Any]:
        desc = super().description()
        desc["depends"] = list(self.depends)
        return desc
