"""run_form, run_service and call_service: how a service's ValidationError reaches the page."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.test import RequestFactory

from dangjian.core.errors import field_error
from dangjian.core.forms import Done, call_service, run_form, run_service


class NameForm(forms.Form):
    name = forms.CharField()


def _request(method: str = "post") -> HttpRequest:
    request = getattr(RequestFactory(), method)("/")
    request._messages = CookieStorage(request)
    return request


def _messages(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in request._messages]  # type: ignore[attr-defined]


def _refuse(error: ValidationError) -> Any:
    def run(*_args: Any) -> Any:
        raise error

    return run


def test_run_form_calls_the_service_only_for_a_bound_valid_form() -> None:
    """An unbound or invalid form is shown again and the service is not called."""
    calls: list[dict[str, Any]] = []
    request = _request()
    assert run_form(request, NameForm(None), calls.append) is None
    assert run_form(request, NameForm({"name": ""}), calls.append) is None
    assert calls == []
    done = run_form(request, NameForm({"name": "张三"}), lambda d: d["name"], "已保存。")
    assert done == Done("张三")
    assert _messages(request) == [("success", "已保存。")]


def test_run_form_puts_the_service_errors_on_the_form() -> None:
    """A field the form has gets its error; anything else goes above the form; no message."""
    request = _request()
    form = NameForm({"name": "张三"})
    error = ValidationError({"name": ["重名。"], "other": ["别的问题。"]})
    assert run_form(request, form, _refuse(error), "已保存。") is None
    assert form.errors == {"name": ["重名。"], "__all__": ["别的问题。"]}
    assert _messages(request) == []


def test_run_service_shows_the_refusal_as_one_message_or_one_each() -> None:
    request = _request()
    error = ValidationError(["不能办理。", "请先补齐材料。"])
    assert run_service(request, _refuse(error), "已办理。") is None
    assert run_service(request, _refuse(error), "已办理。", joined=False) is None
    assert _messages(request) == [
        ("error", "不能办理。 请先补齐材料。"),
        ("error", "不能办理。"),
        ("error", "请先补齐材料。"),
    ]


def test_run_service_hands_back_the_result_with_the_success_message() -> None:
    request = _request()
    assert run_service(request, lambda: 3, "已办理。") == Done(3)
    nothing = run_service(request, lambda: None)
    assert nothing, "a service that returns None is still done (views test `if run_service(...)`)"
    assert _messages(request) == [("success", "已办理。")]


def test_call_service_returns_the_error_and_lets_permission_denied_through() -> None:
    """A ValidationError comes back to lay out; a refusal of scope still ends in a 403."""
    error = field_error("reason_1", "请填写请假原因。", code="required")
    outcome = call_service(_refuse(error))
    assert isinstance(outcome, ValidationError)
    assert outcome.message_dict == {"reason_1": ["请填写请假原因。"]}

    def denied() -> None:
        raise PermissionDenied

    with pytest.raises(PermissionDenied):
        call_service(denied)
