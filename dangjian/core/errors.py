"""Errors services raise, in the shapes forms and the API read."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_stubs_ext import StrOrPromise


def field_error(field: str, message: StrOrPromise, *, code: str) -> ValidationError:
    """A ValidationError on one field that keeps its code.

    Django drops `code=` when a ValidationError is built from a dict, so the code has to sit on
    the inner error; this is the one place that knows it.
    """
    return ValidationError({field: ValidationError(message, code=code)})
