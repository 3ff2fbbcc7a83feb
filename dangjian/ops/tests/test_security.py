"""Sessions, throttling and keys: what happens when time passes or a key rotates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from dangjian.core import signing
from dangjian.members.models import Member

pytestmark = pytest.mark.django_db


def test_a_session_ends_after_eight_hours(county: Any, client: Any) -> None:
    """Signed in at 08:00, still in at 15:59, sent to sign in again after 16:00."""
    start = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client.force_login(county.east_secretary)
        assert client.get(reverse("members:list")).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=7, minutes=59), tick=False):
        assert client.get(reverse("members:list")).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=8, minutes=1), tick=False):
        response = client.get(reverse("members:list"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_session_and_csrf_settings() -> None:
    """Cookies: the session cookie is HttpOnly and ends with the browser; CSRF is on."""
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    assert "axes.middleware.AxesMiddleware" in settings.MIDDLEWARE


def test_a_post_without_csrf_token_is_refused(county: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(county.east_admin)
    response = client.post(reverse("members:edit", args=[county.li.pk]), {"name": "改名"})
    assert response.status_code == 403
    assert Member.objects.get(pk=county.li.pk).name == "李四"


def test_locked_out_after_five_wrong_passwords_per_user_and_address(
    county: Any, client: Any
) -> None:
    user = county.east_secretary
    user.set_password("right-Password-1")
    user.save()
    for _n in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"})
    locked = client.post(
        reverse("accounts:login"), {"username": user.username, "password": "right-Password-1"}
    )
    assert locked.status_code == 429
    other = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": "right-Password-1"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert other.status_code == 302  # the lock is per user name *and* address


def test_removing_an_encryption_key_too_early_says_where_to_look(
    county: Any, settings: Any
) -> None:
    """Dropping the key that encrypted stored numbers before rotate_keys ran is an error that
    points to docs/keys.md, not garbage."""
    settings.DANGJIAN_FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match=r"keys\.md"):
        Member.objects.get(pk=county.li.pk).id_number  # noqa: B018


def test_a_new_key_first_encrypts_new_records_old_ones_still_read(
    county: Any, settings: Any
) -> None:
    from dangjian.site.testing import build_member

    old = list(settings.DANGJIAN_FIELD_ENCRYPTION_KEYS)
    new = Fernet.generate_key().decode()
    settings.DANGJIAN_FIELD_ENCRYPTION_KEYS = [new, *old]
    fresh = build_member(organization=county.east_village, name="新人")
    assert (
        Fernet(new.encode()).decrypt(fresh.id_number_encrypted.encode()).decode() == fresh.id_number
    )
    assert Member.objects.get(pk=county.li.pk).id_number == county.li.id_number


def test_a_removed_signing_key_no_longer_verifies(settings: Any) -> None:
    """After rotation the old key stays listed so what it signed verifies; once removed, it does
    not (docs/keys.md: keep a signing key listed as long as its signatures must verify)."""
    old = settings.DANGJIAN_SIGNING_KEYS[0]
    kid, signature = signing.sign(b"card")
    settings.DANGJIAN_SIGNING_KEYS = ["11" * 32, old]
    key = signing.own_verify_key(kid)
    assert key is not None
    assert signing.verify(key, b"card", signature)
    assert signing.current_key().kid != kid  # the new key signs
    settings.DANGJIAN_SIGNING_KEYS = ["11" * 32]
    assert signing.own_verify_key(kid) is None
