from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.forms import run_form, style_form

from . import services, two_factor
from .http import AuthenticatedHttpRequest
from .models import User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_form(self, form_class=None):  # type: ignore[no-untyped-def]
        form = super().get_form(form_class)
        style_form(form)
        return form


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("site:home")


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, then enter the code it shows."""
    user = cast(User, request.user)
    if two_factor.has_device(user) and not two_factor.is_verified(request):
        # Replacing a device needs the old one first (or an administrator's reset).
        return redirect("accounts:two_factor_verify")
    secret = request.session.get(two_factor.SESSION_PENDING_SECRET)
    if not secret:
        secret = two_factor.new_secret()
        request.session[two_factor.SESSION_PENDING_SECRET] = secret
    form = CodeForm(request.POST or None)
    style_form(form)
    if enrolled := run_form(
        request,
        form,
        lambda data: two_factor.two_factor_enrol(user=user, secret=secret, code=data["code"]),
    ):
        del request.session[two_factor.SESSION_PENDING_SECRET]
        two_factor.session_verified(request, enrolled.result.device)
        return render(
            request,
            "accounts/two_factor_codes.html",
            {"codes": enrolled.result.recovery_codes, "next": _next_url(request)},
        )
    uri = two_factor.provisioning_uri(user, secret)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": two_factor.qr_svg(uri),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": request.GET.get("next", ""),
        },
    )


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator or a recovery code."""
    user = cast(User, request.user)
    if not two_factor.has_device(user):
        return redirect("accounts:two_factor_setup")
    form = CodeForm(request.POST or None)
    style_form(form)
    if request.method == "POST" and form.is_valid():
        wait = two_factor.throttled_seconds(user)
        if device := two_factor.two_factor_verify(user=user, code=form.cleaned_data["code"]):
            two_factor.session_verified(request, device)
            request.session.pop(two_factor.SESSION_FAILURES, None)
            left = two_factor.remaining_recovery_codes(user)
            if left < 3:
                messages.warning(
                    request,
                    _(
                        "只剩 %(n)d 个恢复码。用完之前，请联系上级管理员重置两步验证并重新启用，以获得新的恢复码。"
                    )
                    % {"n": left},
                )
            return redirect(_next_url(request))
        failures = request.session.get(two_factor.SESSION_FAILURES, 0) + 1
        request.session[two_factor.SESSION_FAILURES] = failures
        if failures >= two_factor.MAX_FAILURES:
            logout(request)
            messages.error(
                request, _("验证码连续输错 %(n)d 次，已退出登录。请重新登录。") % {"n": failures}
            )
            return redirect("accounts:login")
        if wait:
            form.add_error(
                "code",
                _("验证码输错次数较多，请等 %(s)d 秒后再输入（这期间输入的验证码不会被核对）。")
                % {"s": wait},
            )
        else:
            form.add_error(
                "code",
                _("验证码不正确或已用过。请输入验证器当前显示的 6 位数字，或一个未用过的恢复码。"),
            )
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=gettext_lazy("原密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=gettext_lazy("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("至少 8 位，不能全是数字，不能太常见，不能与用户名相近。"),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("再输一次新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every signed-in user changes their own password (a reset goes through an administrator)."""
    user = request.user
    form = PasswordChangeForm(request.POST or None)
    style_form(form)

    def run(data: dict[str, str]) -> None:
        changed = services.user_password_change(
            user=user, old_password=data["old_password"], new_password=data["new_password1"]
        )
        update_session_auth_hash(request, changed)  # stay signed in on this device

    if run_form(request, form, run, _("密码已修改。")):
        return redirect(_next_url(request))
    return render(request, "accounts/password_change.html", {"form": form})
