"""Fernet tokens for many values at once (decision 0031).

`cryptography`'s Fernet builds a new AES-CBC context per value, which costs ~14 µs: most of an
import's time budget per row. CBC is `C_i = AES(P_i xor C_{i-1})` with `C_0` the IV, so the k-th
block of every value can go through one AES-ECB call together. The tokens are ordinary Fernet
tokens (version, timestamp, IV, ciphertext, HMAC-SHA256) under the first configured key, and
`dangjian.core.crypto.decrypt_text` reads them; the tests check that for every token.
"""

from __future__ import annotations

import base64
import hmac
import os
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

_BLOCK = 16


def _xor(left: bytes, right: bytes) -> bytes:
    return (int.from_bytes(left, "big") ^ int.from_bytes(right, "big")).to_bytes(_BLOCK, "big")


class BatchFernet:
    def __init__(self, key: str | None = None) -> None:
        raw = base64.urlsafe_b64decode(key or settings.DANGJIAN_FIELD_ENCRYPTION_KEYS[0])
        self._signing_key = raw[:16]
        self._aes = Cipher(algorithms.AES(raw[16:]), modes.ECB()).encryptor()  # noqa: S305

    def encrypt_many(self, values: list[str]) -> list[str]:
        """One Fernet token per value, each with its own random IV."""
        if not values:
            return []
        padded = []
        for value in values:
            data = value.encode()
            pad = _BLOCK - len(data) % _BLOCK
            padded.append(data + bytes([pad]) * pad)
        randomness = os.urandom(_BLOCK * len(values))
        ivs = [randomness[i * _BLOCK : (i + 1) * _BLOCK] for i in range(len(values))]
        previous = list(ivs)
        ciphertexts: list[list[bytes]] = [[] for _ in values]
        rounds = max(len(p) for p in padded) // _BLOCK
        for k in range(rounds):
            members = [i for i, p in enumerate(padded) if len(p) > k * _BLOCK]
            joined = b"".join(
                _xor(padded[i][k * _BLOCK : (k + 1) * _BLOCK], previous[i]) for i in members
            )
            out = self._aes.update(joined)
            for position, i in enumerate(members):
                block = out[position * _BLOCK : (position + 1) * _BLOCK]
                ciphertexts[i].append(block)
                previous[i] = block
        header = b"\x80" + struct.pack(">Q", int(time.time()))
        tokens = []
        for iv, blocks in zip(ivs, ciphertexts, strict=True):
            body = header + iv + b"".join(blocks)
            mac = hmac.digest(self._signing_key, body, "sha256")
            tokens.append(base64.urlsafe_b64encode(body + mac).decode())
        return tokens
