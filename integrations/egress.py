"""Where this server may open connections of its own (connector base URLs, SFTP hosts, webhook
subscriptions): public addresses only, unless FCT_OUTBOUND_ALLOWED_HOSTS names the host.

Whoever configures a URL must not be able to make the server call what sits beside it: loopback,
private networks (RFC 1918, unique-local IPv6), link-local (the cloud metadata service at
169.254.169.254), carrier-grade NAT, multicast, reserved and documentation ranges. A host name is
resolved and every address it resolves to is checked, on entry (forms and API, for a clear
error) and again before each connection (so a name that later resolves inward is refused then).

FCT_OUTBOUND_ALLOWED_HOSTS lists host names (matched exactly, case-insensitive) and addresses or
networks in CIDR notation that are allowed all the same: an ERP on the company network in
production, the bundled sandbox on 127.0.0.1 in the demo and the tests. DEBUG changes nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class EgressRefused(Exception):
    """The destination is not one this server may connect to; the message says why."""


def _allow_list() -> tuple[frozenset[str], tuple[IPNetwork, ...]]:
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in getattr(settings, "FCT_OUTBOUND_ALLOWED_HOSTS", ()):
        text = entry.strip().lower()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
        except ValueError:
            names.add(text.rstrip("."))
    return frozenset(names), tuple(networks)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


def _resolved(host: str, port: int | None) -> list[IPAddress]:
    """Every address the name resolves to; none when it does not resolve (the connection would
    fail anyway, and the check before connecting runs again)."""
    try:
        infos = socket.getaddrinfo(host, port or 0, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    found = (_literal(str(info[4][0])) for info in infos)
    return [address for address in found if address is not None]


def _why_not_public(address: IPAddress) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_private:
        return "a private-network address"
    if not address.is_global:
        return "not a public address"
    return ""


def host_refusal(host: str, port: int | None = None) -> str:
    """Why the server must not connect to `host`, or "" when it may."""
    name = host.strip().lower().rstrip(".")
    if not name:
        return "no host is given"
    names, networks = _allow_list()
    if name in names:
        return ""
    literal = _literal(name)
    addresses = [literal] if literal is not None else _resolved(name, port)
    for address in addresses:
        if any(address in network for network in networks if network.version == address.version):
            continue
        why = _why_not_public(address)
        if why:
            shown = name if literal is not None else f"{name} ({address})"
            return f"{shown} is {why}; outbound connections go to public addresses only (FCT_OUTBOUND_ALLOWED_HOSTS)."
    return ""


def url_refusal(url: str) -> str:
    """Why the server must not call `url`, or "" when it may."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"{url!r} is not a valid URL."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http(s) URL."
    return host_refusal(parts.hostname, port)


def egress_check_host(host: str, port: int | None = None) -> None:
    """Raise EgressRefused unless the server may connect to host (called before each connection)."""
    refusal = host_refusal(host, port)
    if refusal:
        raise EgressRefused(refusal)


def validate_outbound_url(value: str) -> None:
    """Form and serializer validator: the same rule, as a field error."""
    refusal = url_refusal(value) if value else ""
    if refusal:
        raise ValidationError(refusal, code="outbound_refused")
