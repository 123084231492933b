"""Access tokens: short-lived JWTs (PyJWT), signed HS256 with ``secret_key`` or ES256.

Claims: ``sub`` (user id, a string), ``iat``, ``exp``, ``jti``, ``iss``,
``aud``, ``typ`` = ``"access"`` and ``sid``, the refresh-token family the
token was issued for. Decoding accepts only the configured algorithm (never
the header's: T1, T2), requires every claim above (T3), always checks issuer
and audience (T4), ignores ``kid``/``jku``/``x5u``/``jwk`` headers since keys
come from the configuration only (T5), checks ``typ`` (T6) and refuses a
lifetime longer than configured (T3). Revocation (T7) is the caller's:
``auth.py`` checks that the ``sid`` family is still open and the user active.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web

from models.base import MAX_ID
from models.exceptions import AccessDenied

from ..config import Config, ConfigError

REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "iss", "aud"]
ACCESS = "access"
#: Seconds of clock skew tolerated between hosts.
LEEWAY = 10


class InvalidToken(AccessDenied):
    """A bearer token that is missing, malformed, expired, forged or revoked (401)."""

    def __init__(self, message: str = "Invalid or expired token") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class AccessClaims:
    uid: int
    family: str
    jti: str
    exp: int


def _read(path: str, name: str) -> bytes:
    if not path:
        raise ConfigError(f"jwt_algorithm ES256 needs {name}")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read {path}: {exc.strerror}") from None


class TokenService:
    def __init__(self, config: Config) -> None:
        self.algorithm: str = config.jwt_algorithm
        self.issuer: str = config.jwt_issuer
        self.audience: str = config.jwt_audience
        self.access_seconds = int(config.access_token_minutes) * 60
        self.refresh_days = int(config.refresh_token_days)
        if self.algorithm == "HS256":
            secret = config.secret_key.encode("utf-8")
            self._signing_key: Any = secret
            self._verifying_key: Any = secret
        else:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec
            try:
                private = serialization.load_pem_private_key(
                    _read(config.jwt_private_key_file, "jwt_private_key_file"), password=None)
                public = serialization.load_pem_public_key(
                    _read(config.jwt_public_key_file, "jwt_public_key_file"))
            except ValueError as exc:
                raise ConfigError(f"ES256 key files: {exc}") from None
            for key in (private, public):
                if not isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)) \
                        or not isinstance(key.curve, ec.SECP256R1):
                    raise ConfigError("ES256 key files must hold an EC P-256 key pair")
            self._signing_key, self._verifying_key = private, public

    def issue_access(self, uid: int, family: str) -> str:
        now = int(time.time())
        return jwt.encode({
            "sub": str(uid), "iat": now, "exp": now + self.access_seconds,
            "jti": secrets.token_hex(16), "iss": self.issuer, "aud": self.audience,
            "typ": ACCESS, "sid": family,
        }, self._signing_key, algorithm=self.algorithm)

    def decode_access(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(token, self._verifying_key, algorithms=[self.algorithm],
                                audience=self.audience, issuer=self.issuer, leeway=LEEWAY,
                                options={"require": REQUIRED_CLAIMS, "verify_signature": True})
        except jwt.PyJWTError:
            raise InvalidToken() from None
        sub, family, iat, exp = (claims.get("sub"), claims.get("sid"), claims.get("iat"),
                                 claims.get("exp"))
        if claims.get("typ") != ACCESS or not isinstance(sub, str) or not sub.isdigit() \
                or not isinstance(family, str) or not isinstance(claims.get("jti"), str):
            raise InvalidToken()
        if not 0 < int(sub) <= MAX_ID or not isinstance(iat, int) or not isinstance(exp, int) \
                or exp - iat > self.access_seconds + LEEWAY or iat > time.time() + LEEWAY:
            raise InvalidToken()
        return AccessClaims(uid=int(sub), family=family, jti=claims["jti"], exp=exp)


TOKENS = web.AppKey("tokens", TokenService)
