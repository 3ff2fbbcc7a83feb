"""Signing in: the real form, throttling after repeated failures, and the audit of neither."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangjian.accounts.choices import Role
from dangjian.organizations.choices import OrgKind
from dangjian.site.testing import build_org, build_user


@pytest.fixture
def township_admin(db):
    county = build_org(name="县委", kind=OrgKind.LOCAL_COMMITTEE)
    township = build_org(name="镇党委", kind=OrgKind.PARTY_COMMITTEE, parent=county)
    return build_user(username="township", role=Role.ADMINISTRATOR, organization=township)


def test_sign_in_with_the_form_lands_on_home(client, township_admin):
    """The right password signs in and shows the township's overview."""
    response = client.post(
        reverse("accounts:login"),
        {"username": "township", "password": "pass-word-123"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.wsgi_request.user == township_admin
    assert "镇党委" in response.content.decode()


def test_wrong_password_says_so_in_chinese(client, township_admin):
    """A wrong password re-shows the form with a Chinese message and signs no one in."""
    response = client.post(
        reverse("accounts:login"), {"username": "township", "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_five_failures_lock_even_the_right_password_out(client, township_admin):
    """After 5 failures from one address the pair is locked: the right password is refused."""
    for _attempt in range(5):
        client.post(reverse("accounts:login"), {"username": "township", "password": "nope-nope"})
    response = client.post(
        reverse("accounts:login"), {"username": "township", "password": "pass-word-123"}
    )
    assert response.status_code == 429
    assert "暂时锁定" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_pages_need_sign_in(client, db):
    """Anonymous visitors are sent to the sign-in page, which itself is open."""
    for url in (reverse("site:home"), reverse("members:list"), reverse("organizations:tree")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    assert client.get(reverse("accounts:login")).status_code == 200


def test_a_superuser_sees_the_top_of_the_tree(client, tree):
    """A superuser's home and tree start at the county, like a county administrator's."""
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser(username="root", password="pass-word-123")
    client.force_login(root)
    assert "示范县委" in client.get(reverse("site:home")).content.decode()
    assert "示范县委" in client.get(reverse("organizations:tree")).content.decode()


# --- the client's address behind the reverse proxy (issue 18) ------------------------------

PROXY = "127.0.0.1"  # the documented nginx, on the same machine


def _fail_five(client, **meta):
    for _attempt in range(5):
        client.post(
            reverse("accounts:login"), {"username": "township", "password": "nope-nope"}, **meta
        )


def _sign_in(client, **meta):
    return client.post(
        reverse("accounts:login"), {"username": "township", "password": "pass-word-123"}, **meta
    )


def test_behind_the_trusted_proxy_the_lockout_counts_the_client_not_the_proxy(
    client, township_admin, settings
):
    """Through nginx every request comes from 127.0.0.1: five failures from one client lock that
    client out, while another client behind the same proxy still signs in."""
    settings.DANGJIAN_TRUSTED_PROXIES = [PROXY]
    _fail_five(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert (
        _sign_in(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    )
    other = _sign_in(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert other.status_code == 302
    from axes.models import AccessAttempt

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]


def test_a_client_cannot_hide_behind_a_forged_header(client, township_admin, settings):
    """A client that sends its own X-Forwarded-For, directly or through the trusted nginx, is
    still counted by its own address: changing the header each time does not escape the lock."""
    settings.DANGJIAN_TRUSTED_PROXIES = [PROXY]
    for n in range(5):
        client.post(
            reverse("accounts:login"),
            {"username": "township", "password": "nope-nope"},
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    direct = _sign_in(client, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert direct.status_code == 429
    # Through the proxy the forged part sits left of what nginx wrote: it is ignored.
    _fail_five(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.50, 203.0.113.9")
    forged = _sign_in(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.51, 203.0.113.9")
    assert forged.status_code == 429


def test_an_untrusted_proxy_is_the_client(client, township_admin, settings):
    """A proxy that is not listed is taken as the client: its header is not believed, and the
    audit trail records its own address."""
    from django.test import RequestFactory

    from dangjian.audit.models import AuditEvent
    from dangjian.core.clientip import client_ip

    settings.DANGJIAN_TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_ip(request) == "10.9.9.9"
    trusted = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_ip(trusted) == "203.0.113.5"
    settings.DANGJIAN_TRUSTED_PROXIES = []
    assert client_ip(trusted) == PROXY
    settings.DANGJIAN_TRUSTED_PROXIES = [PROXY]
    client.force_login(township_admin)
    client.post(
        reverse("accounts:password_change"),
        {"old_password": "pass-word-123", "new_password1": "x", "new_password2": "y"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.77",
    )
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "pass-word-123",
            "new_password1": "Another-pass-42",
            "new_password2": "Another-pass-42",
        },
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.77",
    )
    event = AuditEvent.objects.filter(target_id=str(township_admin.pk)).latest("pk")
    assert event.ip_address == "203.0.113.77"
