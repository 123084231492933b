"""The Odoo RPC front: JSON-RPC, XML-RPC and JSON-2 over the same dispatch.

How a request travels (every transport ends in the same ``call_kw``)::

    route (routes.py)
      -> envelope decode           jsonrpc.py: content type, JSON, params object
                                   xmlrpc.py:  size cap, DOCTYPE refused, loads
                                   json2.py:   bearer API key, named arguments
      -> caller identity           service.py: session cookie (web routes),
                                   db/uid/password (object service),
                                   API key (JSON-2)
      -> dispatch.call_kw          model name -> registry, method name ->
                                   the model's table of public methods
                                   (private and unknown names refused as Odoo
                                   refuses them), context -> environment
      -> one unit of work          models/db.py: one transaction, retried on
                                   serialization failures
      -> model method              models/base.py (ORM) or business methods;
                                   access rights and record rules applied there
      -> serializer                jsonrpc.py (orjson) / compat/xmlrpc.py
      -> envelope encode           errors mapped once by compat/errors.py

Handlers decode, call one function, and encode; nothing here knows SQL.
"""
