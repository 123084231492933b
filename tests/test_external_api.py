"""Odoo's "External API" documentation, run unchanged against the gateway.

The Python examples of ``content/developer/reference/external_api.rst``
(odoo/documentation, branches 14.0-18.0: XML-RPC on ``/xmlrpc/2``) are
transcribed line for line, for ``res.partner`` with the documentation's
``[['is_company', '=', True]]`` domain. Only the connection values (``url``,
``db``, ``username``, ``password``) come from the test server instead of
``https://demo.odoo.com/start``. The documented results are Odoo's demo data;
the assertions check the same facts against the gateway's data. Lines copied
from the documentation keep its length (``noqa: E501``).
"""
from __future__ import annotations

import xmlrpc.client
from dataclasses import dataclass
from typing import Any, Iterator

import pytest

COMPANIES = [f"Docs Company {n:02d}" for n in range(1, 16)]


@dataclass
class Api:
    url: str
    db: str
    username: str
    password: str
    common: Any
    models: Any
    uid: int


@pytest.fixture
def api(live_server: Any) -> Iterator[Api]:
    url, db, username, password = live_server.url, live_server.db_name, "admin", "admin"

    # -- "Logging in" ------------------------------------------------------------------
    common = xmlrpc.client.ServerProxy('{}/xmlrpc/2/common'.format(url))
    common.version()
    uid = common.authenticate(db, username, password, {})
    models = xmlrpc.client.ServerProxy('{}/xmlrpc/2/object'.format(url))

    # enough companies for the pagination example (offset 10, limit 5) to return a full page
    for name in COMPANIES:
        models.execute_kw(db, uid, password, 'res.partner', 'create',
                          [{'name': name, 'is_company': True}])
    try:
        yield Api(url, db, username, password, common, models, uid)
    finally:
        common("close")()
        models("close")()


def test_logging_in(api: Api) -> None:
    common = api.common
    version = common.version()
    assert version["server_version"] == "17.0"
    assert version["server_version_info"][:2] == [17, 0]
    assert version["server_serie"] == "17.0" and version["protocol_version"] == 1
    uid = common.authenticate(api.db, api.username, api.password, {})
    assert uid == api.uid == 2


def test_calling_methods_check_access_rights(api: Api) -> None:
    db, uid, password, models = api.db, api.uid, api.password, api.models
    result = models.execute_kw(db, uid, password, 'res.partner', 'check_access_rights', ['read'], {'raise_exception': False})  # noqa: E501
    assert result is True
    # a user without the right gets False rather than an error
    kitchen = api.common.authenticate(db, "kitchen", "kitchen", {})
    assert models.execute_kw(db, kitchen, "kitchen", 'res.users', 'check_access_rights',
                             ['create'], {'raise_exception': False}) is False


def test_list_records(api: Api) -> None:
    db, uid, password, models = api.db, api.uid, api.password, api.models
    ids = models.execute_kw(db, uid, password, 'res.partner', 'search', [[['is_company', '=', True]]])  # noqa: E501
    assert isinstance(ids, list) and all(isinstance(i, int) for i in ids)
    names = {row["name"] for row in models.execute_kw(
        db, uid, password, 'res.partner', 'read', [ids], {'fields': ['name']})}
    assert set(COMPANIES) <= names

    # -- "Pagination" ------------------------------------------------------------------
    page = models.execute_kw(db, uid, password, 'res.partner', 'search', [[['is_company', '=', True]]], {'offset': 10, 'limit': 5})  # noqa: E501
    assert len(page) == 5 and page == ids[10:15]


def test_count_records(api: Api) -> None:
    db, uid, password, models = api.db, api.uid, api.password, api.models
    count = models.execute_kw(db, uid, password, 'res.partner', 'search_count', [[['is_company', '=', True]]])  # noqa: E501
    ids = models.execute_kw(db, uid, password, 'res.partner', 'search', [[['is_company', '=', True]]])  # noqa: E501
    assert isinstance(count, int) and count == len(ids) >= len(COMPANIES)


def test_read_records(api: Api) -> None:
    db, uid, password, models = api.db, api.uid, api.password, api.models
    ids = models.execute_kw(db, uid, password, 'res.partner', 'search', [[['is_company', '=', True]]], {'limit': 1})  # noqa: E501
    [record] = models.execute_kw(db, uid, password, 'res.partner', 'read', [ids])
    # count the number of fields fetched by default
    assert len(record) > 20
    assert record["id"] == ids[0] and record["is_company"] is True
    assert {"name", "email", "country_id", "comment", "create_date", "display_name"} <= set(record)

    result = models.execute_kw(db, uid, password, 'res.partner', 'read', [ids], {'fields': ['name', 'country_id', 'comment']})  # noqa: E501
    # Even if the id field is not requested, it is always returned.
    assert [set(row) for row in result] == [{"id", "name", "country_id", "comment"}]
    (row,) = result
    assert row["id"] == ids[0] and isinstance(row["name"], str)
    assert row["comment"] is False                                   # empty html: false
    assert row["country_id"] is False or (isinstance(row["country_id"], list)
                                          and len(row["country_id"]) == 2)


def test_list_record_fields(api: Api) -> None:
    db, uid, password, models = api.db, api.uid, api.password, api.models
    fields = models.execute_kw(db, uid, password, 'res.partner', 'fields_get', [], {'attributes': ['string', 'help', 'type']})  # noqa: E501
    assert fields["is_company"] == {
        "type": "boolean", "string": "Is a Company",
        "help": "Check if the contact is a company, otherwise it is a person"}
    assert fields["country_id"]["type"] == "many2one" and fields["name"]["type"] == "char"
    for description in fields.values():
        assert {"string", "type"} <= set(description) <= {"string", "help", "type"}


def test_search_and_read(api: Api) -> None:
    db, uid, password, models = api.db, api.uid, api.password, api.models
    result = models.execute_kw(db, uid, password, 'res.partner', 'search_read', [[['is_company', '=', True]]], {'fields': ['name', 'country_id', 'comment'], 'limit': 5})  # noqa: E501
    assert len(result) == 5
    assert [row["id"] for row in result] == models.execute_kw(
        db, uid, password, 'res.partner', 'search', [[['is_company', '=', True]]], {'limit': 5})
    for row in result:
        assert set(row) == {"id", "name", "country_id", "comment"}


def test_create_update_delete(api: Api) -> None:
    db, uid, password, models = api.db, api.uid, api.password, api.models

    # -- "Create records" ----------------------------------------------------------------
    id = models.execute_kw(db, uid, password, 'res.partner', 'create', [{'name': "New Partner"}])
    assert isinstance(id, int)
    assert models.execute_kw(db, uid, password, 'res.partner', 'read',
                             [[id], ['name', 'is_company']]) == [
        {"id": id, "name": "New Partner", "is_company": False}]

    # -- "Update records" ----------------------------------------------------------------
    written = models.execute_kw(db, uid, password, 'res.partner', 'write', [[id], {'name': "Newer partner"}])  # noqa: E501
    # get record name after having changed it
    read = models.execute_kw(db, uid, password, 'res.partner', 'read', [[id], ['display_name']])
    # (the Go example, and Odoo <= 16: name_get)
    record = models.execute_kw(db, uid, password, 'res.partner', 'name_get', [[id]])
    assert written is True
    assert read == [{"id": id, "display_name": "Newer partner"}]
    assert record == [[id, "Newer partner"]]

    # -- "Delete records" ----------------------------------------------------------------
    assert models.execute_kw(db, uid, password, 'res.partner', 'unlink', [[id]]) is True
    # check if the deleted record is still in the database
    assert models.execute_kw(db, uid, password, 'res.partner', 'search', [[['id', '=', id]]]) == []
