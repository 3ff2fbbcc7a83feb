"""Error pages speak Chinese, say what to do, and leak nothing."""

from __future__ import annotations

from django.urls import reverse


def test_out_of_scope_member_is_a_plain_not_found_page(client, county):
    """A member of another township is a 404 that names no one and offers the way back."""
    client.force_login(county.west_admin)
    response = client.get(reverse("members:detail", args=[county.zhang.pk]))
    body = response.content.decode()
    assert response.status_code == 404
    assert "找不到该页面" in body
    assert "不在您的权限范围内" in body
    assert county.zhang.name not in body
    assert county.east_village.name not in body


def test_observer_editing_gets_a_page_that_explains_the_role(client, county):
    """A read-only observer who opens an edit form is told why, in Chinese, with a way home."""
    client.force_login(county.east_observer)
    response = client.get(reverse("members:edit", args=[county.zhang.pk]))
    body = response.content.decode()
    assert response.status_code == 403
    assert "您无权进行此操作" in body
    assert reverse("site:home") in body
