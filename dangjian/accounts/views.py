from __future__ import annotations

from django.contrib.auth import views as auth_views

from dangjian.core.forms import style_form


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_form(self, form_class=None):  # type: ignore[no-untyped-def]
        form = super().get_form(form_class)
        style_form(form)
        return form
