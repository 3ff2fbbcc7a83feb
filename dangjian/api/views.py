"""The administrator's page for integration tokens: create (shown once), list, revoke."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.models import User
from dangjian.core.forms import run_form, style_form

from . import tokens
from .models import ApiToken


def _users_for(actor: User) -> QuerySet[Any]:
    users = get_user_model().objects.filter(is_active=True, roles__isnull=False).distinct()
    allowed = [
        u.pk
        for u in users.prefetch_related("roles__organization")
        if tokens.can_manage_tokens_of(actor, u)
    ]
    return get_user_model().objects.filter(pk__in=allowed).order_by("username")


class TokenForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("令牌代表的账号"), queryset=get_user_model().objects.none()
    )
    name = forms.CharField(label=_("用途"), max_length=100)
    days = forms.IntegerField(
        label=_("有效天数"), min_value=1, max_value=tokens.MAX_DAYS, initial=90
    )

    def __init__(self, *args: Any, users: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = users
        field.help_text = _("令牌与该账号的角色和管理范围完全相同。请为每个对接系统单独建账号。")
        style_form(self)


def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    users = _users_for(request.user)
    if not users.exists():
        raise PermissionDenied
    form = TokenForm(request.POST or None, users=users)
    created = None
    if done := run_form(
        request,
        form,
        lambda data: tokens.api_token_create(
            actor=request.user, user=data["user"], name=data["name"], days=data["days"]
        ),
    ):
        _record, created = done.result
        form = TokenForm(users=users)
    listed = (
        ApiToken.objects.filter(user__in=users)
        .select_related("user", "created_by")
        .order_by("-created_at")
    )
    return render(request, "api/tokens.html", {"form": form, "tokens": listed, "created": created})


@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.filter(user__in=_users_for(request.user)), pk=pk)
    tokens.api_token_revoke(actor=request.user, token=token)
    return redirect("api-tokens:list")
