"""The client's address, read past the reverse proxies this deployment trusts.

Behind the documented nginx (deploy/nginx/dangjian.conf) every request reaches gunicorn from
127.0.0.1, so `REMOTE_ADDR` names the proxy, not the person: a login lockout counted against it
locks everyone out at once, and the audit trail names nobody. The proxy says who it served in
`X-Forwarded-For`; but anyone can send that header, so it is believed only when the request came
from an address listed in `DANGJIAN_TRUSTED_PROXIES` (addresses or networks). The header is read
from the right, skipping trusted proxies, and the first address that is not one is the client:
whatever a client wrote to the left of it is ignored.

django-axes asks this function (`AXES_CLIENT_IP_CALLABLE`), and so does the audit context.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(listed: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in listed if entry)


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.5:51234
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    listed = tuple(getattr(settings, "DANGJIAN_TRUSTED_PROXIES", ()))
    return any(address in network for network in _networks(listed))


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client: REMOTE_ADDR, unless that is a trusted proxy."""
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return None
    if not _trusted(remote):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",")):
        address = _parse(entry)
        if address is None:
            # Garbage where an address should be: stop at the last address we could trust.
            break
        if not _trusted(address):
            return str(address)
        remote = address
    return str(remote)
