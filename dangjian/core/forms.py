"""Helpers shared by forms of every app."""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core import validators
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dangjian.core.bounds import EARLIEST_DATE, LATEST_DATE, MAX_INTEGER, date_in_bounds
from dangjian.core.error_codes import ErrorCode as CoreErrorCode

T = TypeVar("T")


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)


@dataclass(frozen=True)
class Done(Generic[T]):
    """A service call that went through; `result` is what the service returned."""

    result: T


def call_service(run: Callable[[], T]) -> Done[T] | ValidationError:
    """Call a service and hand back its ValidationError rather than raise it.

    The one place where views catch a service's errors: `run_form` and `run_service` are built
    on it, and a view that lays the errors out itself (a table of rows) calls it directly.
    """
    try:
        return Done(run())
    except ValidationError as exc:
        return exc


def run_form(
    request: HttpRequest,
    form: forms.BaseForm,
    run: Callable[[dict[str, Any]], T],
    success: str | None = None,
) -> Done[T] | None:
    """When the form is bound and valid, call the service with the cleaned data: its
    ValidationError goes onto the form; success adds `success` (if any) as a message.
    The result when done (the view then redirects), None when the form is to be shown (again)."""
    if not form.is_bound or not form.is_valid():
        return None
    outcome = call_service(lambda: run(form.cleaned_data))
    if isinstance(outcome, ValidationError):
        add_service_errors(form, outcome)
        return None
    if success is not None:
        messages.success(request, success)
    return outcome


def run_service(
    request: HttpRequest,
    run: Callable[[], T],
    success: str | None = None,
    *,
    joined: bool = True,
) -> Done[T] | None:
    """Call a service outside a form (a button): its ValidationError becomes an error message,
    in one message (`joined`) or one message each; success adds `success` (if any). The result
    when done, None when the service refused."""
    outcome = call_service(run)
    if isinstance(outcome, ValidationError):
        if joined:
            messages.error(request, " ".join(outcome.messages))
        else:
            for text in outcome.messages:
                messages.error(request, text)
        return None
    if success is not None:
        messages.success(request, success)
    return outcome


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _escape(text: Any) -> str:
    """conditional_escape without the lazy-string wrapper (called once per option)."""
    return str(text.__html__()) if hasattr(text, "__html__") else html.escape(str(text))


def _attributes(attrs: dict[str, Any]) -> str:
    """Attributes as django/forms/widgets/attrs.html writes them: in order, True bare, False
    left out."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class PlainSelect(forms.Select):
    """A select whose options are written in Python rather than through a template each.

    The same markup as `forms.Select`. A county administrator's organization filter lists
    about 900 organizations, and rendering them option by option through the template engine
    was most of the time of a member search (issue 12).
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        wanted = set(self.format_value(value))
        found = False

        def option(option_value: Any, label: Any) -> str:
            nonlocal found
            text = "" if option_value is None else str(option_value)
            # Like Select.optgroups: only the first option with the value is selected.
            selected = not found and text in wanted
            found = found or selected
            return f'<option value="{_escape(text)}"{" selected" if selected else ""}>{_escape(label)}</option>'

        parts = [
            f'<select name="{_escape(name)}"{_attributes(self.build_attrs(self.attrs, attrs))}>'
        ]
        for group_value, group_label in self.choices:
            if isinstance(group_label, (list, tuple)):
                parts.append(f'<optgroup label="{_escape(group_value)}">')
                parts.extend(option(v, label) for v, label in group_label)
                parts.append("</optgroup>")
            else:
                parts.append(option(group_value, group_label))
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 - every value and label is escaped


# Bounds every form field gets unless it sets tighter ones (`style_form` applies them): values a
# record can hold and the database can store, so that no typed number or date reaches a service
# as something that overflows (a year of 10^23 was a 500 on the snapshot form).
MAX_NUMBER = Decimal("10000000000")


def _within_dates(value: dt.date) -> None:
    if not date_in_bounds(value):
        raise ValidationError(
            _("日期应在 %(from)s 至 %(to)s 之间，请核对。")
            % {"from": EARLIEST_DATE.isoformat(), "to": LATEST_DATE.isoformat()},
            code=CoreErrorCode.OUT_OF_RANGE,
        )


def _within_numbers(value: Decimal | float) -> None:
    if not math.isfinite(value) or abs(Decimal(value)) >= MAX_NUMBER:
        raise ValidationError(
            _("数值过大，请核对（应小于 %(max)s）。") % {"max": MAX_NUMBER},
            code=CoreErrorCode.OUT_OF_RANGE,
        )


def bound_field(field: forms.Field) -> None:
    """Add the default bounds to one field (dates, integers, decimals, floats)."""
    if isinstance(field, forms.DateField | forms.DateTimeField):
        field.validators.append(_within_dates)
    elif isinstance(
        field, forms.DecimalField | forms.FloatField
    ):  # before IntegerField: subclasses
        field.validators.append(_within_numbers)
    elif isinstance(field, forms.IntegerField):
        if field.max_value is None:
            field.validators.append(validators.MaxValueValidator(MAX_INTEGER))
        if field.min_value is None:
            field.validators.append(validators.MinValueValidator(-MAX_INTEGER))


def style_form(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget, so templates stay plain; default bounds on values."""
    for field in form.fields.values():
        bound_field(field)
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


__all__ = [
    "NON_FIELD_ERRORS",
    "DateInput",
    "Done",
    "PlainSelect",
    "add_service_errors",
    "call_service",
    "run_form",
    "run_service",
    "style_form",
]
