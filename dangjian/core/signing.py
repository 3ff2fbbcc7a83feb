"""This deployment's Ed25519 keys: what signs activity certificates, transfer packages and receipts.

Keys come from settings.DANGJIAN_SIGNING_KEYS (hex seeds of 32 bytes), never from the
database: the first key signs, the others are older keys kept so that what they signed still
verifies after a rotation. A key is named by its key id (kid): the first 8 bytes of the
SHA-256 of its public key. Other deployments' public keys form the trust list
(dangjian.exchange.trust). See docs/keys.md.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

KID_BYTES = 8


@dataclass(frozen=True)
class OwnKey:
    kid: bytes
    signing_key: SigningKey
    verify_key: VerifyKey

    @property
    def kid_hex(self) -> str:
        return self.kid.hex()


def key_id(public_key: bytes) -> bytes:
    """The key id of an Ed25519 public key (32 bytes)."""
    return hashlib.sha256(public_key).digest()[:KID_BYTES]


@lru_cache(maxsize=4)
def _load(seeds: tuple[str, ...]) -> tuple[OwnKey, ...]:
    keys: list[OwnKey] = []
    for number, seed in enumerate(seeds, start=1):
        try:
            raw = bytes.fromhex(seed)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"DANGJIAN_SIGNING_KEYS 第 {number} 个密钥不是 64 位十六进制（32 字节）的 Ed25519 种子。"
            )
        signing_key = SigningKey(raw)
        verify_key = signing_key.verify_key
        keys.append(OwnKey(key_id(bytes(verify_key)), signing_key, verify_key))
    return tuple(keys)


def own_keys() -> tuple[OwnKey, ...]:
    seeds = tuple(getattr(settings, "DANGJIAN_SIGNING_KEYS", []) or [])
    if not seeds:
        raise ImproperlyConfigured(
            "未配置签名密钥：请设置 DANGJIAN_SIGNING_KEYS（见 docs/keys.md）。"
        )
    return _load(seeds)


def current_key() -> OwnKey:
    return own_keys()[0]


def issuer() -> str:
    """This deployment's issuer name, e.g. CN-360730 (configured per deployment)."""
    return str(settings.DANGJIAN_ISSUER)


def sign(message: bytes) -> tuple[bytes, bytes]:
    """Sign with the current key; returns (kid, 64-byte signature)."""
    key = current_key()
    return key.kid, key.signing_key.sign(message).signature


def own_verify_key(kid: bytes) -> VerifyKey | None:
    for key in own_keys():
        if key.kid == kid:
            return key.verify_key
    return None


def verify(verify_key: VerifyKey, message: bytes, signature: bytes) -> bool:
    try:
        verify_key.verify(message, signature)
    except (BadSignatureError, ValueError):
        return False
    return True


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_keys_document() -> dict[str, Any]:
    """What another deployment imports into its trust list to verify what this one signs."""
    return {
        "format": "dangjian-public-keys/1",
        "issuer": issuer(),
        "keys": [
            {"kid": key.kid_hex, "alg": "Ed25519", "public_key": b64url(bytes(key.verify_key))}
            for key in own_keys()
        ],
    }
