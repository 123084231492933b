"""The client-library promise, over real sockets: scripts written for a real
Odoo server (OdooRPC, odoo-client-lib on both protocols, erppeek, plain
``xmlrpc.client``) run unchanged against the gateway.

Every test drives ``live_server`` (the gateway in a background thread) with
the library exactly as its documentation shows, and asserts on the values
read back, not only on "no exception". Demo data: admin/admin is uid 2
working in the restaurant 'Bistro Centrale'.
"""
from __future__ import annotations

import contextlib
import gc
import warnings
import xmlrpc.client
from typing import Any, Iterator

import erppeek
import odoolib
import odoorpc
import pytest
from odoolib.tools import AuthenticationError, JsonRPCException

HOST = "127.0.0.1"
ADMIN_UID = 2

# xmlrpc.client keeps the HTTP/1.1 connection of a ServerProxy open and never
# closes it when the proxy is dropped; odoo-client-lib builds one proxy per
# call and erppeek one per service. Their sockets are closed by the garbage
# collector, which reports each as a ResourceWarning (an error here). That is
# the client libraries' behaviour against any keep-alive server, not the
# gateway's; this file's own proxies are closed explicitly.
pytestmark = pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")


@pytest.fixture(autouse=True)
def _collect_client_sockets() -> Iterator[None]:
    """erppeek's client and its services reference each other, so their sockets are freed by
    the cycle collector, at any later time: collect them now, while the filter above holds,
    rather than during some other test."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def _assert_partner_fields(fields: dict[str, Any]) -> None:
    assert fields["name"]["type"] == "char"
    assert fields["parent_id"]["type"] == "many2one"
    assert fields["parent_id"]["relation"] == "res.partner"
    assert fields["is_company"]["type"] == "boolean"
    assert fields["child_ids"]["type"] == "one2many"


# ---------------------------------------------------------------------------
# OdooRPC 0.10.1: /web/webclient/version_info, then /jsonrpc for everything
# ---------------------------------------------------------------------------

def _odoorpc(live_server: Any, login: str = "admin", password: str = "admin") -> odoorpc.ODOO:
    odoo = odoorpc.ODOO(HOST, port=live_server.port)
    odoo.login(live_server.db_name, login, password)
    return odoo


def test_odoorpc_connect_and_login(live_server: Any) -> None:
    odoo = odoorpc.ODOO(HOST, port=live_server.port)
    assert odoo.version.startswith("17.0")
    assert odoo.db.list() == [live_server.db_name]
    odoo.login(live_server.db_name, "admin", "admin")
    assert odoo.env.uid == ADMIN_UID
    assert odoo.env.user.login == "admin"
    assert odoo.env.user.company_id.name == "Bistro Centrale"
    assert odoo.env.context["uid"] == ADMIN_UID and odoo.env.context["lang"] == "en_US"
    assert odoo.env.db == live_server.db_name


def test_odoorpc_wrong_password(live_server: Any) -> None:
    odoo = odoorpc.ODOO(HOST, port=live_server.port)
    with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
        odoo.login(live_server.db_name, "admin", "not-the-password")
    with pytest.raises(odoorpc.error.InternalError, match="Login required"):
        odoo.env["res.partner"]


def test_odoorpc_crud_roundtrip(live_server: Any) -> None:
    odoo = _odoorpc(live_server)
    Partner = odoo.env["res.partner"]

    company = Partner.create({"name": "OdooRPC Holding", "is_company": True})
    new_id = Partner.create({"name": "OdooRPC Customer", "email": "rpc@example.test",
                             "is_company": True, "parent_id": company})
    assert isinstance(new_id, int)
    assert Partner.search([("name", "=", "OdooRPC Customer")]) == [new_id]
    assert Partner.search_count([("name", "=", "OdooRPC Customer")]) == 1

    rows = Partner.search_read([("id", "=", new_id)], ["name", "email", "is_company"])
    assert rows == [{"id": new_id, "name": "OdooRPC Customer", "email": "rpc@example.test",
                     "is_company": True}]
    (row,) = Partner.read([new_id], ["name", "phone", "parent_id"])
    assert row["name"] == "OdooRPC Customer" and row["phone"] is False
    assert row["parent_id"] == [company, "OdooRPC Holding"]   # [id, name] by default

    # browse + attribute access: read(..., load='_classic_write'), so bare ids
    record = Partner.browse(new_id)
    assert record.name == "OdooRPC Customer"
    assert record.is_company is True
    assert record.parent_id.id == company and record.parent_id.name == "OdooRPC Holding"
    # created in the admin's current restaurant, so it belongs to it (docs/decisions.md)
    assert record.company_id.name == "Bistro Centrale"
    record.phone = "+32 2 000 00 00"          # a write() on assignment
    assert Partner.read([new_id], ["phone"])[0]["phone"] == "+32 2 000 00 00"

    assert Partner.write([new_id], {"name": "OdooRPC Customer (renamed)"}) is True
    assert Partner.browse(new_id).name == "OdooRPC Customer (renamed)"
    assert Partner.name_search("OdooRPC Customer (ren") == [[new_id, "OdooRPC Customer (renamed)"]]

    assert Partner.unlink([new_id]) is True
    assert Partner.search([("id", "=", new_id)]) == []
    assert Partner.read([new_id], ["name"]) == []


def test_odoorpc_relations_and_recordsets(live_server: Any) -> None:
    odoo = _odoorpc(live_server)
    Partner = odoo.env["res.partner"]
    parent = Partner.create({"name": "OdooRPC Parent Co", "is_company": True})
    child = Partner.create({"name": "Jane", "parent_id": parent})
    record = Partner.browse(child)
    assert record.parent_id.id == parent
    assert record.parent_id.name == "OdooRPC Parent Co"
    assert record.display_name == "OdooRPC Parent Co, Jane"
    assert Partner.browse(parent).child_ids.ids == [child]
    records = Partner.browse([parent, child])
    assert [r.name for r in records] == ["OdooRPC Parent Co", "Jane"]
    # a recordset method call goes as execute_kw(model, method, [ids], ...)
    assert Partner.browse(child).name_get() == [[child, "OdooRPC Parent Co, Jane"]]


def test_odoorpc_fields_get_and_env_ref(live_server: Any) -> None:
    odoo = _odoorpc(live_server)
    Partner = odoo.env["res.partner"]
    _assert_partner_fields(Partner.fields_get())
    limited = Partner.fields_get(["name"], attributes=["string", "type"])
    assert limited == {"name": {"string": "Name", "type": "char"}}

    admin = odoo.env.ref("base.user_admin")          # ir.model.data.check_object_reference
    assert admin._name == "res.users" and admin.id == ADMIN_UID
    assert admin.login == "admin"
    with pytest.raises(odoorpc.error.RPCError, match="External ID not found"):
        odoo.env.ref("base.no_such_record_anywhere")


def test_odoorpc_own_partner_is_readable(live_server: Any) -> None:
    """``env.user.partner_id`` reads the user's partner, which belongs to the company the
    administrator was created in, not the restaurant he works in now (Odoo's partner rule
    always lets a user read their own partner)."""
    odoo = _odoorpc(live_server)
    assert odoo.env.user.partner_id.name == "Administrator"
    assert odoo.env.user.partner_id.email is False
    waiter = _odoorpc(live_server, "waiter", "waiter")
    assert waiter.env.user.partner_id.email == "waiter@grillroll.example"


def test_odoorpc_execute_and_execute_kw(live_server: Any) -> None:
    odoo = _odoorpc(live_server)
    ids = odoo.execute("res.partner", "search", [("id", "=", odoo.env.user.partner_id.id)])
    assert ids == [odoo.env.user.partner_id.id]
    count = odoo.execute_kw("res.partner", "search_count", [[]])
    assert isinstance(count, int) and count > 0
    rows = odoo.execute_kw("res.partner", "search_read", [[("id", "in", ids)]],
                           {"fields": ["name"], "limit": 1})
    assert rows == [{"id": ids[0], "name": odoo.env.user.partner_id.name}]


def test_odoorpc_errors_carry_the_odoo_message(live_server: Any) -> None:
    odoo = _odoorpc(live_server)
    Partner = odoo.env["res.partner"]
    with pytest.raises(odoorpc.error.RPCError) as caught:
        Partner.write([999999], {"name": "x"})
    assert str(caught.value).startswith("Record does not exist or has been deleted.")
    assert caught.value.info["data"]["name"] == "odoo.exceptions.MissingError"
    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.execute("res.partner", "_private_thing")
    assert "Private methods (such as _private_thing) cannot be called remotely." in str(
        caught.value)
    with pytest.raises(odoorpc.error.RPCError) as caught:
        Partner.search_read([("no_such_field", "=", 1)], ["name"])
    assert caught.value.info["data"]["name"] == "builtins.ValueError"


def test_odoorpc_access_rights_of_a_waiter(live_server: Any) -> None:
    odoo = _odoorpc(live_server, "waiter", "waiter")
    assert odoo.env.user.company_id.name == "Bistro Centrale"
    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.env["res.users"].create({"name": "Intruder", "login": "intruder"})
    assert caught.value.info["data"]["name"] == "odoo.exceptions.AccessError"


# ---------------------------------------------------------------------------
# odoo-client-lib 2.0.1: legacy /xmlrpc/<service> or /jsonrpc, execute_kw
# ---------------------------------------------------------------------------

PROTOCOLS = ["jsonrpc", "xmlrpc"]


def _odoolib(live_server: Any, protocol: str, login: str = "admin",
             password: str = "admin") -> Any:
    return odoolib.get_connection(hostname=HOST, port=live_server.port,
                                  database=live_server.db_name, login=login,
                                  password=password, protocol=protocol)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_odoolib_login(live_server: Any, protocol: str) -> None:
    connection = _odoolib(live_server, protocol)
    connection.check_login()
    assert connection.user_id == ADMIN_UID
    context = connection.get_user_context()
    assert context["uid"] == ADMIN_UID and context["lang"] == "en_US"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_odoolib_wrong_password(live_server: Any, protocol: str) -> None:
    connection = _odoolib(live_server, protocol, password="nope")
    with pytest.raises(AuthenticationError):
        connection.check_login()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_odoolib_crud_roundtrip(live_server: Any, protocol: str) -> None:
    connection = _odoolib(live_server, protocol)
    partners = connection.get_model("res.partner")

    parent = partners.create({"name": f"odoolib {protocol} Co", "is_company": True})
    new_id = partners.create({"name": f"odoolib {protocol}", "email": "lib@example.test",
                              "parent_id": parent})
    assert isinstance(new_id, int)
    # search_read is emulated: search(domain, 0, False, False) then read(ids, [])
    rows = partners.search_read([("name", "=", f"odoolib {protocol}")], ["name", "email"])
    assert rows == [{"id": new_id, "name": f"odoolib {protocol}", "email": "lib@example.test"}]
    everything = partners.search_read([("id", "=", new_id)])          # fields=[] -> all
    assert everything[0]["id"] == new_id
    assert {"name", "email", "company_id", "create_date", "display_name"} <= set(everything[0])
    assert everything[0]["parent_id"] == [parent, f"odoolib {protocol} Co"]
    assert everything[0]["country_id"] is False and everything[0]["child_ids"] == []
    assert everything[0]["display_name"] == f"odoolib {protocol} Co, odoolib {protocol}"
    assert len(everything[0]["create_date"]) == 19
    # odoolib re-orders a list read by the ids given, and unwraps a single id
    assert partners.read(new_id, ["name"]) == {"id": new_id, "name": f"odoolib {protocol}"}

    assert partners.write([new_id], {"phone": "+32 470 00 00 00"}) is True
    assert partners.read([new_id], ["phone"]) == [{"id": new_id, "phone": "+32 470 00 00 00"}]
    assert partners.search_count([("phone", "=", "+32 470 00 00 00")]) == 1
    assert partners.name_search(f"odoolib {protocol}", [("id", "=", new_id)]) == [
        [new_id, f"odoolib {protocol} Co, odoolib {protocol}"]]

    assert partners.unlink([new_id]) is True
    assert partners.search([("id", "=", new_id)]) == []
    assert partners.search_read([("id", "=", new_id)]) == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_odoolib_search_with_positional_false_limit_order(live_server: Any, protocol: str) -> None:
    connection = _odoolib(live_server, protocol)
    products = connection.get_model("product.product")
    every = products.search([("available_in_pos", "=", True)], 0, False, False)
    assert every and every == sorted(every, key=lambda i: every.index(i))
    assert products.search([("available_in_pos", "=", True)], 1, 2, "id desc") == \
        sorted(every, reverse=True)[1:3]
    assert products.search_count([("available_in_pos", "=", True)]) == len(every)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_odoolib_fields_get(live_server: Any, protocol: str) -> None:
    connection = _odoolib(live_server, protocol)
    partners = connection.get_model("res.partner")
    _assert_partner_fields(partners.fields_get())
    assert partners.fields_get(["email"], ["type"]) == {"email": {"type": "char"}}


def test_odoolib_jsonrpc_error(live_server: Any) -> None:
    partners = _odoolib(live_server, "jsonrpc").get_model("res.partner")
    with pytest.raises(JsonRPCException) as caught:
        partners.write([999999], {"name": "x"})
    assert caught.value.error["data"]["name"] == "odoo.exceptions.MissingError"
    assert caught.value.error["code"] == 200


def test_odoolib_xmlrpc_fault_uses_legacy_string_codes(live_server: Any) -> None:
    partners = _odoolib(live_server, "xmlrpc").get_model("res.partner")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        partners.write([999999], {"name": "x"})
    assert caught.value.faultCode.startswith(
        "warning -- MissingError\n\nRecord does not exist or has been deleted.")
    bad = _odoolib(live_server, "xmlrpc", password="nope")
    bad.user_id = ADMIN_UID                      # skip check_login: straight to object
    with pytest.raises(xmlrpc.client.Fault) as caught:
        bad.get_model("res.partner").search([])
    assert caught.value.faultCode == "AccessDenied"
    assert caught.value.faultString == "Access Denied"


# ---------------------------------------------------------------------------
# erppeek 1.7.2: legacy /xmlrpc, db.server_version, object.execute positional
# ---------------------------------------------------------------------------

def _erppeek(live_server: Any, user: str = "admin", password: str = "admin") -> erppeek.Client:
    return erppeek.Client(live_server.url, live_server.db_name, user, password, verbose=False)


def test_erppeek_login(live_server: Any) -> None:
    client = _erppeek(live_server)
    assert client.user == "admin"
    assert client.server_version == "17.0" and client.major_version == "17.0"
    assert client.db.list() == [live_server.db_name]
    (waiter,) = client.search("res.users", [("login", "=", "waiter")])
    assert client.login("waiter", "waiter") == waiter and client.user == "waiter"


def test_erppeek_wrong_password(live_server: Any) -> None:
    client = erppeek.Client(live_server.url, verbose=False)
    with pytest.raises(erppeek.Error, match="Invalid username or password"):
        client.login("admin", "wrong", database=live_server.db_name)


def test_erppeek_crud_roundtrip(live_server: Any) -> None:
    client = _erppeek(live_server)
    new_id = client.create("res.partner", {"name": "erppeek Customer", "is_company": True})
    assert isinstance(new_id, int)
    assert client.search("res.partner", [("name", "=", "erppeek Customer")]) == [new_id]
    assert client.count("res.partner", [("name", "=", "erppeek Customer")]) == 1
    assert client.read("res.partner", [new_id], ["name", "is_company"]) == [
        {"id": new_id, "name": "erppeek Customer", "is_company": True}]
    # erppeek's read with a domain: search + read
    assert client.read("res.partner", [("id", "=", new_id)], "name") == ["erppeek Customer"]
    assert client.write("res.partner", [new_id], {"email": "peek@example.test"}) is True
    assert client.read("res.partner", new_id, "email") == "peek@example.test"
    assert client.execute("res.partner", "name_get", [new_id]) == [[new_id, "erppeek Customer"]]
    assert client.execute("res.partner", "name_search", "erppeek Cust") == [
        [new_id, "erppeek Customer"]]
    assert client.unlink("res.partner", [new_id]) is True
    assert client.search("res.partner", [("id", "=", new_id)]) == []


def test_erppeek_models_and_records(live_server: Any) -> None:
    client = _erppeek(live_server)
    Partner = client.model("res.partner")
    fields = Partner.fields()
    _assert_partner_fields(fields)
    assert "email" in Partner.keys()
    parent = Partner.create({"name": "erppeek Holding", "is_company": True})
    record = Partner.create({"name": "erppeek Record", "parent_id": parent.id})
    assert record.name == "erppeek Record"
    assert record.parent_id.id == parent.id and record.parent_id.name == "erppeek Holding"
    assert record.country_id is False                      # empty many2one: False
    assert parent.child_ids.id == [record.id]
    record.write({"phone": "+32 2 111 11 11"})
    assert Partner.get(record.id).phone == "+32 2 111 11 11"
    found = Partner.browse([("name", "=", "erppeek Record")])
    assert found.id == [record.id] and found.name == ["erppeek Record"]
    assert found.display_name == ["erppeek Holding, erppeek Record"]
    # a Record method unwraps the one-element answer
    assert Partner.get(record.id).name_get() == [record.id, "erppeek Holding, erppeek Record"]
    record.unlink()
    assert Partner.search([("id", "=", record.id)]) == []


def test_erppeek_fault_message(live_server: Any) -> None:
    client = _erppeek(live_server)
    with pytest.raises(xmlrpc.client.Fault) as caught:
        client.execute("res.partner", "write", [999999], {"name": "x"})
    assert "Record does not exist or has been deleted." in caught.value.faultCode


# ---------------------------------------------------------------------------
# Plain xmlrpc.client on /xmlrpc/2 (Odoo's "External API" documentation)
# ---------------------------------------------------------------------------

@contextlib.contextmanager
def _proxies(live_server: Any) -> Iterator[tuple[Any, Any]]:
    with xmlrpc.client.ServerProxy(f"{live_server.url}/xmlrpc/2/common") as common, \
            xmlrpc.client.ServerProxy(f"{live_server.url}/xmlrpc/2/object") as models:
        yield common, models


def test_xmlrpc_version_and_authenticate(live_server: Any) -> None:
    with _proxies(live_server) as (common, _):
        version = common.version()
        assert version["server_version"] == "17.0"
        assert version["server_version_info"][:2] == [17, 0]
        assert version["protocol_version"] == 1
        assert common.authenticate(live_server.db_name, "admin", "admin", {}) == ADMIN_UID
        assert common.login(live_server.db_name, "admin", "admin") == ADMIN_UID
        assert common.authenticate(live_server.db_name, "admin", "wrong", {}) is False
        assert common.login(live_server.db_name, "nobody", "admin") is False


def test_xmlrpc_execute_kw_crud(live_server: Any) -> None:
    with _proxies(live_server) as (common, models):
        db = live_server.db_name
        uid = common.authenticate(db, "admin", "admin", {})

        def call(model: str, method: str, *args: Any, **kwargs: Any) -> Any:
            return models.execute_kw(db, uid, "admin", model, method, list(args), kwargs)

        new_id = call("res.partner", "create", {"name": "XML-RPC Customer", "is_company": True})
        assert isinstance(new_id, int)
        rows = call("res.partner", "search_read", [["id", "=", new_id]],
                    fields=["name", "is_company", "parent_id", "write_date"])
        assert rows[0]["name"] == "XML-RPC Customer" and rows[0]["is_company"] is True
        assert rows[0]["parent_id"] is False
        assert isinstance(rows[0]["write_date"], str) and len(rows[0]["write_date"]) == 19
        assert call("res.partner", "write", [new_id], {"name": "XML-RPC Renamed"}) is True
        assert call("res.partner", "read", [new_id], ["name"]) == [
            {"id": new_id, "name": "XML-RPC Renamed"}]
        assert call("res.partner", "name_search", "XML-RPC Ren") == [[new_id, "XML-RPC Renamed"]]
        fields = call("res.partner", "fields_get", attributes=["string", "type", "relation"])
        assert fields["parent_id"] == {"string": "Related Company", "type": "many2one",
                                       "relation": "res.partner"}
        assert call("res.partner", "unlink", [new_id]) is True
        assert call("res.partner", "search", [["id", "=", new_id]]) == []


def test_xmlrpc_faults(live_server: Any) -> None:
    with _proxies(live_server) as (_, models):
        db = live_server.db_name
        with pytest.raises(xmlrpc.client.Fault) as caught:
            models.execute_kw(db, ADMIN_UID, "wrong", "res.partner", "search", [[]])
        assert caught.value.faultCode == 3 and caught.value.faultString == "Access Denied"
        with pytest.raises(xmlrpc.client.Fault) as caught:
            models.execute_kw(db, ADMIN_UID, "admin", "res.partner", "write",
                              [[999999], {"name": "x"}])
        assert caught.value.faultCode == 2
        assert caught.value.faultString == ("Record does not exist or has been deleted.\n"
                                            "(Record: res.partner(999999,), User: 2)")
        with pytest.raises(xmlrpc.client.Fault) as caught:
            models.execute_kw(db, ADMIN_UID, "admin", "res.partner", "_private", [[]])
        assert caught.value.faultCode == 4


# ---------------------------------------------------------------------------
# API keys: a password for scripts, never for an interactive login
# ---------------------------------------------------------------------------

@pytest.fixture
async def admin_api_key(orm: Any) -> str:
    return await orm.run(lambda env: env["res.users.apikeys"]._generate(ADMIN_UID, "test"))


def test_api_key_with_xmlrpc(live_server: Any, admin_api_key: str) -> None:
    with _proxies(live_server) as (common, models):
        db = live_server.db_name
        assert common.authenticate(db, "admin", admin_api_key, {}) == ADMIN_UID
        ids = models.execute_kw(db, ADMIN_UID, admin_api_key, "res.users", "search",
                                [[["login", "=", "admin"]]])
        assert ids == [ADMIN_UID]
        with pytest.raises(xmlrpc.client.Fault) as caught:
            wrong = admin_api_key[:-1] + ("1" if admin_api_key.endswith("0") else "0")
            models.execute_kw(db, ADMIN_UID, wrong, "res.users", "search", [[]])
        assert caught.value.faultCode == 3


def test_api_key_with_jsonrpc_clients(live_server: Any, admin_api_key: str) -> None:
    odoo = _odoorpc(live_server, "admin", admin_api_key)
    assert odoo.env.uid == ADMIN_UID
    assert odoo.env["res.users"].search([("login", "=", "admin")]) == [ADMIN_UID]
    connection = _odoolib(live_server, "jsonrpc", "admin", admin_api_key)
    connection.check_login()
    assert connection.get_model("res.users").search_count([("id", "=", ADMIN_UID)]) == 1


def test_api_key_refused_by_interactive_login(live_server: Any, admin_api_key: str) -> None:
    import json
    import urllib.request

    def authenticate(password: str) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{live_server.url}/web/session/authenticate", method="POST",
            headers={"Content-Type": "application/json"},
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                "db": live_server.db_name, "login": "admin", "password": password}}).encode())
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
            return json.loads(response.read())

    refused = authenticate(admin_api_key)
    assert "result" not in refused
    assert refused["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert refused["error"]["data"]["message"] == "Access Denied"
    assert authenticate("admin")["result"]["uid"] == ADMIN_UID
