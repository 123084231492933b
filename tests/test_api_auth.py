"""REST authentication: login, JWT access tokens (T1..T8), refresh rotation, logout, sessions."""
from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.api.tokens import TokenService
from gateway.config import ConfigError, load

from tests.conftest import Orm
from tests.test_api_envelope import ENVELOPE_KEYS, assert_error

SECRET = load(environ={}, search=False).secret_key.encode()


async def login(client: Any, username: str = "waiter", password: str | None = None,
                **headers: str) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/login", headers=headers, json={
        "username": username, "password": username if password is None else password})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["success"] is True
    return body["data"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def me_status(client: Any, token: str) -> int:
    response = await client.get("/api/v1/auth/me", headers=bearer(token))
    body = await response.json()
    if response.status != 200:
        assert_error(body, "AUTHENTICATION_FAILED")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    return response.status


# -- login -------------------------------------------------------------------------------------

async def test_login_answers_tokens_and_the_user(client: Any) -> None:
    response = await client.post("/api/v1/auth/login",
                                 json={"username": "waiter", "password": "waiter"})
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    body = await response.json()
    assert set(body) == ENVELOPE_KEYS
    data = body["data"]
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == 15 * 60
    assert len(data["refresh_token"]) >= 40
    assert data["user"]["login"] == "waiter"
    assert data["user"]["company"]["name"] == "Bistro Centrale"
    assert "waiter" in data["user"]["roles"] and "manager" not in data["user"]["roles"]
    claims = jwt.decode(data["access_token"], SECRET, algorithms=["HS256"],
                        audience="pos-api", issuer="odoo-pos-gateway")
    assert claims["typ"] == "access" and claims["sub"] == str(data["user"]["id"])
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert {"jti", "sid"} <= set(claims)


async def test_login_by_email(client: Any, orm: Any) -> None:
    async def set_email(env: Any) -> None:
        ids = await env["res.users"].search([("login", "=", "waiter")])
        await env["res.users"].write(ids, {"email": "Waiter@Bistro.example"})
    await orm.run(set_email)
    response = await client.post("/api/v1/auth/login",
                                 json={"email": "waiter@bistro.example", "password": "waiter"})
    assert response.status == 200
    assert (await response.json())["data"]["user"]["login"] == "waiter"


@pytest.mark.parametrize("credentials", [
    {"username": "waiter", "password": "wrong"},
    {"username": "nobody-at-all", "password": "waiter"},
    {"email": "nobody@example.com", "password": "x"},
    {"username": "waiter", "password": "w" * 100},
])
async def test_bad_password_and_unknown_user_get_the_same_401(client: Any,
                                                              credentials: dict) -> None:
    response = await client.post("/api/v1/auth/login", json=credentials)
    assert response.status == 401
    error = assert_error(await response.json(), "AUTHENTICATION_FAILED")
    assert error["message"] == "Access Denied"


async def test_api_keys_are_not_passwords_for_login(client: Any, orm: Any) -> None:
    async def make_key(env: Any) -> str:
        uid = (await env["res.users"].search([("login", "=", "waiter")]))[0]
        return await env.registry["res.users.apikeys"]._generate(env, uid, "script")
    key = await orm.run(make_key)
    response = await client.post("/api/v1/auth/login", json={"username": "waiter", "password": key})
    assert response.status == 401


@pytest.mark.parametrize("body, field_errors", [
    ({}, {"password": "required", "username": "required (or email)",
          "email": "required (or username)"}),
    ({"username": "waiter"}, {"password": "required"}),
    ({"password": "waiter"}, {"username": "required (or email)",
                              "email": "required (or username)"}),
    ({"username": 42, "password": "waiter"}, {"username": "must be a string"}),
    ({"username": "waiter", "password": ["waiter"]}, {"password": "must be a string"}),
])
async def test_missing_or_wrong_fields_are_422_with_field_errors(client: Any, body: dict,
                                                                 field_errors: dict) -> None:
    response = await client.post("/api/v1/auth/login", json=body)
    assert response.status == 422
    assert assert_error(await response.json(), "VALIDATION_ERROR")["field_errors"] == field_errors


# -- access tokens -------------------------------------------------------------------------------

async def test_me_with_a_token(client: Any) -> None:
    data = await login(client, "owner")
    response = await client.get("/api/v1/auth/me", headers=bearer(data["access_token"]))
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    me = (await response.json())["data"]
    assert me["login"] == "owner" and me["id"] == data["user"]["id"]
    names = {c["name"] for c in me["allowed_companies"]}
    assert {"Bistro Centrale", "Sushi Koi"} <= names and "Pizzeria Porto" not in names
    assert "platform_owner" in me["roles"]
    assert "gateway.group_platform_owner" in me["groups"]


def forge(claims: dict[str, Any], key: Any = SECRET, algorithm: str = "HS256",
          headers: dict | None = None) -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def base_claims(valid: dict[str, Any], **changes: Any) -> dict[str, Any]:
    claims = jwt.decode(valid["access_token"], options={"verify_signature": False})
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def alg_none(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, None, algorithm="none")


def tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return ".".join((head, payload, flipped))


def other_sub(token: str, claims: dict[str, Any]) -> str:
    """The payload of another user with the original signature."""
    import base64
    import json
    head, _, signature = token.split(".")
    claims = dict(claims, sub="1")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join((head, payload, signature))


NOW = int(time.time())
BAD_TOKENS = {
    "no token": lambda d, c: "",
    "garbage": lambda d, c: "not.a.jwt",
    "expired": lambda d, c: forge(base_claims(d, iat=NOW - 3600, exp=NOW - 1800)),
    "no exp": lambda d, c: forge(base_claims(d, exp=None)),
    "no iat": lambda d, c: forge(base_claims(d, iat=None)),
    "no jti": lambda d, c: forge(base_claims(d, jti=None)),
    "no sub": lambda d, c: forge(base_claims(d, sub=None)),
    "exp 10 years out": lambda d, c: forge(base_claims(d, exp=NOW + 10 * 365 * 86400)),
    "nbf in the future": lambda d, c: forge(base_claims(d, nbf=NOW + 3600)),
    "tampered signature": lambda d, c: tampered(d["access_token"]),
    "payload swapped": lambda d, c: other_sub(d["access_token"], base_claims(d)),
    "alg none": lambda d, c: alg_none(base_claims(d)),
    "wrong key": lambda d, c: forge(base_claims(d), b"k" * 48),
    "HS512 with our secret": lambda d, c: forge(base_claims(d), SECRET, "HS512"),
    "wrong aud": lambda d, c: forge(base_claims(d, aud="another-app")),
    "no aud": lambda d, c: forge(base_claims(d, aud=None)),
    "wrong iss": lambda d, c: forge(base_claims(d, iss="https://evil.example")),
    "typ refresh": lambda d, c: forge(base_claims(d, typ="refresh")),
    "no typ": lambda d, c: forge(base_claims(d, typ=None)),
    "unknown family": lambda d, c: forge(base_claims(d, sid=uuid.uuid4().hex)),
    "kid path": lambda d, c: forge(base_claims(d), b"k" * 40, headers={"kid": "../../dev/null"}),
    "refresh token as bearer": lambda d, c: d["refresh_token"],
}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("name", list(BAD_TOKENS))
async def test_bad_access_tokens_are_401(client: Any, name: str) -> None:
    data = await login(client)
    assert await me_status(client, data["access_token"]) == 200
    token = BAD_TOKENS[name](data, None)
    headers = bearer(token) if token else {}
    response = await client.get("/api/v1/auth/me", headers=headers)
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")


@pytest.mark.parametrize("header", ["Basic d2FpdGVyOndhaXRlcg==", "Bearer", "Token abc"])
async def test_other_authorization_schemes_are_401(client: Any, header: str) -> None:
    response = await client.get("/api/v1/auth/me", headers={"Authorization": header})
    assert response.status == 401


@pytest.mark.parametrize("change", ["deactivate", "password"])
async def test_token_of_a_user_deactivated_or_repassworded_after_issue(client: Any, orm: Any,
                                                                       change: str) -> None:
    data = await login(client)
    assert await me_status(client, data["access_token"]) == 200

    async def apply(env: Any) -> None:
        ids = await env["res.users"].search([("login", "=", "waiter")])
        vals = {"active": False} if change == "deactivate" else {"password": "new-password"}
        await env["res.users"].write(ids, vals)
    await orm.run(apply)
    assert await me_status(client, data["access_token"]) == 401
    response = await client.post("/api/v1/auth/refresh",
                                 json={"refresh_token": data["refresh_token"]})
    assert response.status == 401


# -- refresh -------------------------------------------------------------------------------------

async def refresh(client: Any, token: str, **headers: str) -> Any:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": token},
                             headers=headers)


async def test_refresh_rotates_and_reuse_revokes_the_family(client: Any) -> None:
    first = await login(client)
    response = await refresh(client, first["refresh_token"])
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    second = (await response.json())["data"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["token_type"] == "Bearer" and "user" not in second
    assert await me_status(client, second["access_token"]) == 200
    # the old token worked once; presenting it again is a theft signal
    response = await refresh(client, first["refresh_token"])
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")
    # ... which revoked the whole family: the newer token, and the access tokens of the family
    assert (await refresh(client, second["refresh_token"])).status == 401
    assert await me_status(client, second["access_token"]) == 401
    assert await me_status(client, first["access_token"]) == 401
    # another login (another family) is untouched by it
    other = await login(client)
    assert (await refresh(client, other["refresh_token"])).status == 200


async def test_concurrent_refreshes_with_one_token_succeed_once(client: Any) -> None:
    import asyncio
    data = await login(client)
    responses = await asyncio.gather(*(refresh(client, data["refresh_token"]) for _ in range(4)))
    assert sorted(r.status for r in responses) == [200, 401, 401, 401]
    winner = next(r for r in responses if r.status == 200)
    new = (await winner.json())["data"]
    # the losers were reuse: the family, the winner's tokens included, is revoked
    assert (await refresh(client, new["refresh_token"])).status == 401
    assert await me_status(client, new["access_token"]) == 401


@pytest.mark.parametrize("token", ["", "x" * 43, "a" * 1000])
async def test_unknown_refresh_tokens(client: Any, token: str) -> None:
    response = await refresh(client, token)
    assert response.status == (422 if token == "" else 401)


async def test_an_access_token_is_not_a_refresh_token(client: Any) -> None:
    data = await login(client)
    assert (await refresh(client, data["access_token"])).status == 401


async def test_expired_refresh_token(client: Any, db: Any, aiohttp_client: Any) -> None:
    from gateway.app import create_app
    app = create_app(db.config.replace(refresh_token_days=1))
    short = await aiohttp_client(app)
    data = await login(short)

    async def age(env: Any) -> None:
        Tokens = env.registry["res.users.auth.token"]
        await env.cr.run(Tokens.update({Tokens.expires: "2000-01-01 00:00:00"}))
    orm = Orm(db)
    await orm.backend.start()
    try:
        await orm.run(age)
    finally:
        await orm.close()
    assert (await refresh(short, data["refresh_token"])).status == 401
    assert await me_status(short, data["access_token"]) == 401


# -- logout and sessions ---------------------------------------------------------------------

async def test_logout_revokes_this_session_only(client: Any) -> None:
    phone = await login(client, **{"User-Agent": "phone"})
    tablet = await login(client, **{"User-Agent": "tablet"})
    response = await client.post("/api/v1/auth/logout", headers=bearer(phone["access_token"]))
    assert response.status == 200
    assert (await response.json())["data"]["revoked_tokens"] == 1
    assert await me_status(client, phone["access_token"]) == 401
    assert (await refresh(client, phone["refresh_token"])).status == 401
    assert await me_status(client, tablet["access_token"]) == 200


async def test_logout_all(client: Any) -> None:
    phone = await login(client)
    tablet = await login(client)
    other = await login(client, "manager")
    response = await client.post("/api/v1/auth/logout", json={"all": True},
                                 headers=bearer(phone["access_token"]))
    assert response.status == 200
    for data in (phone, tablet):
        assert await me_status(client, data["access_token"]) == 401
    assert await me_status(client, other["access_token"]) == 200


async def test_logout_needs_a_token_and_only_own_refresh_tokens(client: Any) -> None:
    assert (await client.post("/api/v1/auth/logout")).status == 401
    mine = await login(client)
    theirs = await login(client, "manager")
    response = await client.post("/api/v1/auth/logout", headers=bearer(mine["access_token"]),
                                 json={"refresh_token": theirs["refresh_token"]})
    assert response.status == 404
    assert await me_status(client, theirs["access_token"]) == 200
    response = await client.post("/api/v1/auth/logout", headers=bearer(mine["access_token"]),
                                 json={"all": "yes"})
    assert response.status == 422


async def test_sessions_list_and_revoke(client: Any) -> None:
    phone = await login(client, **{"User-Agent": "phone"})
    tablet = await login(client, **{"User-Agent": "tablet"})
    sushi = await login(client, "sushi.waiter")
    # a rotated family is one session, described by its latest token
    rotated = await refresh(client, tablet["refresh_token"], **{"User-Agent": "tablet"})
    assert rotated.status == 200
    response = await client.get("/api/v1/auth/sessions", headers=bearer(phone["access_token"]))
    assert response.status == 200
    body = await response.json()
    sessions = body["data"]
    assert body["meta"] == {"count": 2}
    assert {s["user_agent"] for s in sessions} == {"phone", "tablet"}
    current = [s for s in sessions if s["current"]]
    assert len(current) == 1 and current[0]["user_agent"] == "phone"
    tablet_family = next(s["family"] for s in sessions if s["user_agent"] == "tablet")

    # another user's family: not found, and untouched
    sushi_family = jwt.decode(sushi["access_token"], options={"verify_signature": False})["sid"]
    response = await client.delete(f"/api/v1/auth/sessions/{sushi_family}",
                                   headers=bearer(phone["access_token"]))
    assert response.status == 404
    assert_error(await response.json(), "NOT_FOUND")
    assert await me_status(client, sushi["access_token"]) == 200
    assert (await client.delete("/api/v1/auth/sessions/nonsense",
                                headers=bearer(phone["access_token"]))).status == 404

    response = await client.delete(f"/api/v1/auth/sessions/{tablet_family}",
                                   headers=bearer(phone["access_token"]))
    assert response.status == 200
    assert await me_status(client, tablet["access_token"]) == 401
    response = await client.get("/api/v1/auth/sessions", headers=bearer(phone["access_token"]))
    assert [s["user_agent"] for s in (await response.json())["data"]] == ["phone"]
    # revoking it again: no longer open
    assert (await client.delete(f"/api/v1/auth/sessions/{tablet_family}",
                                headers=bearer(phone["access_token"]))).status == 404


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/auth/me"), ("GET", "/api/v1/auth/sessions"),
    ("DELETE", "/api/v1/auth/sessions/" + "0" * 32), ("POST", "/api/v1/auth/logout"),
])
async def test_protected_routes_need_a_token(client: Any, method: str, path: str) -> None:
    response = await client.request(method, path)
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")


# -- ES256 and configuration ---------------------------------------------------------------------

def write_keys(tmp_path: Any, curve: Any = ec.SECP256R1()) -> tuple[str, str]:
    private = ec.generate_private_key(curve)
    private_path, public_path = tmp_path / "jwt.key", tmp_path / "jwt.pub"
    private_path.write_bytes(private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    public_path.write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return str(private_path), str(public_path)


async def test_es256_tokens(db: Any, aiohttp_client: Any, tmp_path: Any) -> None:
    from gateway.app import create_app
    private_path, public_path = write_keys(tmp_path)
    config = db.config.replace(jwt_algorithm="es256", jwt_private_key_file=private_path,
                               jwt_public_key_file=public_path)
    client = await aiohttp_client(create_app(config))
    data = await login(client)
    assert jwt.get_unverified_header(data["access_token"])["alg"] == "ES256"
    assert await me_status(client, data["access_token"]) == 200
    claims = base_claims(data)
    # an HS256 token keyed by our public key (T2), and one keyed by the default secret
    with open(public_path, "rb") as handle:
        public_pem = handle.read()
    import hmac
    import hashlib
    import base64
    import json

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + \
        b64(json.dumps(claims).encode())
    confused = signing_input + "." + b64(hmac.new(public_pem, signing_input.encode(),
                                                  hashlib.sha256).digest())
    assert await me_status(client, confused) == 401
    assert await me_status(client, forge(claims)) == 401


def test_es256_needs_readable_p256_keys(tmp_path: Any) -> None:
    base = load(environ={}, search=False)
    with pytest.raises(ConfigError, match="jwt_private_key_file"):
        TokenService(base.replace(jwt_algorithm="ES256"))
    with pytest.raises(ConfigError, match="cannot read"):
        TokenService(base.replace(jwt_algorithm="ES256", jwt_private_key_file="/nonexistent",
                                  jwt_public_key_file="/nonexistent"))
    private_path, public_path = write_keys(tmp_path, ec.SECP384R1())
    with pytest.raises(ConfigError, match="P-256"):
        TokenService(base.replace(jwt_algorithm="ES256", jwt_private_key_file=private_path,
                                  jwt_public_key_file=public_path))


@pytest.mark.parametrize("environ, named", [
    ({"GATEWAY_SECRET_KEY": "é" * 15 + "x"}, "secret_key"),          # 31 bytes, 16 characters
    ({"GATEWAY_JWT_ALGORITHM": "ES256"}, "jwt_private_key_file"),
    ({"GATEWAY_JWT_ISSUER": ""}, "jwt_issuer"),
])
def test_production_refuses_weak_token_settings(environ: dict[str, str], named: str) -> None:
    safe = {"GATEWAY_PROFILE": "production", "GATEWAY_ADMIN_PASSWD": "a-real-master-password",
            "GATEWAY_SECRET_KEY": "s" * 40, "GATEWAY_LIST_DB": "false"}
    problems = load(environ={**safe, **environ}, search=False).production_problems()
    assert len(problems) == 1 and named in problems[0], problems


def test_jwt_algorithm_is_validated() -> None:
    with pytest.raises(ConfigError, match="jwt_algorithm"):
        load(environ={"GATEWAY_JWT_ALGORITHM": "none"}, search=False)
    assert load(environ={"GATEWAY_JWT_ALGORITHM": "es256"}, search=False).jwt_algorithm == "ES256"


# -- the Odoo front accepts REST access tokens -------------------------------------------------

async def test_bearer_access_token_on_call_kw(client: Any) -> None:
    from tests.support import assert_odoo_error, call_kw, result
    data = await login(client)
    body = await call_kw(client, "res.partner", "search_read", [[]], {"fields": ["name"]},
                         headers=bearer(data["access_token"]))
    assert result(body)
    body = await call_kw(client, "res.users", "read", [[data["user"]["id"]], ["login"]],
                         headers=bearer(data["access_token"]))
    assert result(body)[0]["login"] == "waiter"
    assert "Set-Cookie" not in (await client.post(
        "/web/dataset/call_kw", json={"jsonrpc": "2.0", "method": "call", "params": {
            "model": "res.partner", "method": "search_count", "args": [[]], "kwargs": {}}},
        headers=bearer(data["access_token"]))).headers
    for token in (data["refresh_token"], tampered(data["access_token"]), "garbage"):
        body = await call_kw(client, "res.partner", "search_count", [[]], headers=bearer(token))
        assert_odoo_error(body, "odoo.http.SessionExpiredException", code=100)
    await client.post("/api/v1/auth/logout", headers=bearer(data["access_token"]))
    body = await call_kw(client, "res.partner", "search_count", [[]],
                         headers=bearer(data["access_token"]))
    assert_odoo_error(body, "odoo.http.SessionExpiredException", code=100)
