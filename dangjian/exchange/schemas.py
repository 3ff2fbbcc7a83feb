"""The API's shape of a signed document between deployments (docs/transfer-package.md's
envelope), for the routers that export or import one."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from dangjian.core.api import In


class SignedDocumentOut(Schema):
    format: str
    issuer: str
    kid: str = Field(..., description="签名密钥（十六进制）")
    signature: str = Field(..., description="Ed25519 签名，base64url")
    payload: dict[str, Any]


class SignedDocumentIn(In):
    document: dict[str, Any] = Field(
        ...,
        description="对方系统导出的签名文件（JSON 对象，原样）：format、issuer、kid、signature、payload",
    )
