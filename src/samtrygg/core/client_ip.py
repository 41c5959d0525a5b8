"""The client's address, also behind a reverse proxy: one answer for every part that asks.

Behind nginx or Caddy on the same machine every request comes from 127.0.0.1, so anything that
counts per address (allauth's login rate limit, django-axes' records) would count the whole
municipality as one client. ``SAMTRYGG_TRUSTED_PROXIES`` names the proxies whose
``X-Forwarded-For`` is believed:

* When the peer (``REMOTE_ADDR``) is not a trusted proxy, X-Forwarded-For is ignored: anybody can
  send one, so believing it would let a client choose the address it is counted under.
* When the peer is a trusted proxy, the list is read from the right (each proxy appends the
  address it saw) and the first address that is not itself a trusted proxy is the client. What
  stands left of it was written by the client and is never believed.

``ClientIpMiddleware`` (first in ``MIDDLEWARE``) puts the answer into ``REMOTE_ADDR``, so that
django-allauth and anything else that reads the address agree; django-axes asks ``client_ip``
directly through ``AXES_CLIENT_IP_CALLABLE``.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Where the answer is kept, so that a second question (axes asks several times) gets the same.
RESOLVED_KEY = "samtrygg.client_ip"
# The address of the connection's peer as the server saw it, kept when REMOTE_ADDR is replaced.
PEER_KEY = "samtrygg.peer_ip"


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"SAMTRYGG_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from None
    return tuple(networks)


def parse_address(text: str) -> Address | None:
    """An address as a proxy may write it: ``203.0.113.7``, ``2001:db8::1``, ``[2001:db8::1]``,
    with or without a port; an IPv4 address mapped into IPv6 counts as the IPv4 address."""
    text = text.strip().strip('"')
    if text.startswith("["):  # [v6] or [v6]:port
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # no IPv6 zone id
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def resolve(peer: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The client's address given the peer, the X-Forwarded-For header and the trusted proxies."""
    peer_address = parse_address(peer)
    if peer_address is None:
        return peer
    nearest = peer_address

    def is_trusted(address: Address) -> bool:
        return any(address in network for network in trusted)

    if not is_trusted(peer_address):
        return str(peer_address)
    for hop in reversed(forwarded_for.split(",") if forwarded_for else []):
        address = parse_address(hop)
        if address is None:
            # A trusted proxy wrote something that is no address: believe no further.
            break
        if not is_trusted(address):
            return str(address)
        nearest = address
    return str(nearest)


def client_ip(request: Any) -> str:
    """The address of the client that sent ``request`` (see the module's description)."""
    meta = request.META
    if RESOLVED_KEY not in meta:
        meta[RESOLVED_KEY] = resolve(
            meta.get("REMOTE_ADDR", ""),
            meta.get("HTTP_X_FORWARDED_FOR", ""),
            trusted_networks(tuple(settings.TRUSTED_PROXIES)),
        )
    return str(meta[RESOLVED_KEY])
