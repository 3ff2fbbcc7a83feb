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
