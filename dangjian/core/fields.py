"""A JSON field whose sensitive keys are stored encrypted (the archive's before and after).

The archive keeps history: an old phone number or address is as sensitive as the live one.
`SealedJSONField(sealed_keys=(...))` stores the value of each of those keys, when it is a
non-empty string, as `{"sealed": <Fernet token>}`; every write path (save, bulk_create,
update) goes through `get_prep_value`, so no caller can forget. Reading gives the sealed
form back: whoever shows a value opens it with `unseal` and masks it by the reader's rights.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from . import crypto

SEALED = "sealed"


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {SEALED}


def seal(value: Any) -> Any:
    """A non-empty string sealed; anything else (already sealed, None, a number) as it is."""
    if isinstance(value, str) and value:
        return {SEALED: crypto.encrypt_text(value)}
    return value


def unseal(value: Any) -> Any:
    """The clear value of a sealed one; anything else as it is."""
    if is_sealed(value):
        return crypto.decrypt_text(value[SEALED])
    return value


def seal_keys(data: Any, keys: Iterable[str]) -> Any:
    if not isinstance(data, dict):
        return data
    keys = set(keys)
    return {key: seal(item) if key in keys else item for key, item in data.items()}


def unseal_all(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    return {key: unseal(item) for key, item in data.items()}


class SealedJSONField(models.JSONField):
    """A JSONField (an object) that encrypts the values of `sealed_keys` at rest."""

    def __init__(self, *args: Any, sealed_keys: Iterable[str] = (), **kwargs: Any) -> None:
        self.sealed_keys = tuple(sealed_keys)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["sealed_keys"] = self.sealed_keys
        return name, path, args, kwargs

    def get_prep_value(self, value: Any) -> Any:
        return super().get_prep_value(seal_keys(value, self.sealed_keys))
