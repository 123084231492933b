"""``call_kw``: a model name, a method name and arguments -> the model method.

Odoo's rules (``odoo/api.py`` ``call_kw``, ``odoo/models.py``
``check_method_name``): a private name (``_foo``, ``init``) is an
AccessError, an unknown model a KeyError, an unknown method an
AttributeError, and ``kwargs['context']`` *replaces* the context. Only the
methods a model declares public (``models/api.py``) can be reached, so the
peewee machinery under a model is never callable.
"""
from __future__ import annotations

import re
from typing import Any

from models.api import PublicMethod
from models.db import Cursor
from models.exceptions import AccessError

from .service import RpcService

PRIVATE = re.compile(r"^(_.*|init)$")


def check_method_name(name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"Invalid method name {name!r}")
    if PRIVATE.match(name):
        raise AccessError(f"Private methods (such as {name}) cannot be called remotely.")


def resolve(service: RpcService, model_name: Any, method_name: Any) -> tuple[Any, PublicMethod]:
    model = service.registry[model_name]
    check_method_name(method_name)
    method = model._public.get(method_name)
    if method is None:
        raise AttributeError(f"The method '{method_name}' does not exist on the model '{model_name}'")
    return model, method


async def call_kw(service: RpcService, uid: int, model_name: Any, method_name: Any, args: Any,
                  kwargs: Any, *, session: bool = True, version: Any = None) -> Any:
    """Run one model method as ``uid``, in one unit of work."""
    model, method = resolve(service, model_name, method_name)
    if not isinstance(args, (list, tuple)):
        raise TypeError(f"args must be a list, not {type(args).__name__}")
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, dict):
        raise TypeError(f"kwargs must be an object, not {type(kwargs).__name__}")
    kwargs = dict(kwargs)
    context = kwargs.pop("context", None)
    function = getattr(model, method.attr)

    async def unit(cr: Cursor) -> Any:
        env = await service.user_env(cr, uid, context, session=session, version=version)
        return await function(env, *args, **kwargs)

    return await service.run(unit, readonly=method.readonly)
