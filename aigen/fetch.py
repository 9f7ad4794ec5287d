"""Fetching a file a provider answers with a URL, without becoming an SSRF proxy.

Only https, only the provider's own hosts, never a private, loopback, link-local, reserved
or multicast address (every address the name resolves to is checked, and the connection
goes to the checked address), no redirects, a size cap and a time cap.
"""

import ipaddress
import socket
import time
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from .providers.base import ProviderError

PROVIDER_HOSTS = {
    "openai": ("oaidalleapiprodscus.blob.core.windows.net", "openai.com"),
    "veo": ("generativelanguage.googleapis.com", "storage.googleapis.com"),
    "gemini": ("generativelanguage.googleapis.com", "storage.googleapis.com"),
}


def _host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == name or host.endswith("." + name) for name in allowed)


def address_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def provider_url_fetch(
    url: str,
    *,
    provider: str,
    headers: dict | None = None,
    allowed_hosts: tuple[str, ...] | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> bytes:
    max_bytes = max_bytes or settings.AI_FETCH_MAX_BYTES
    timeout = timeout or settings.AI_FETCH_TIMEOUT_SECONDS
    allowed = allowed_hosts if allowed_hosts is not None else PROVIDER_HOSTS.get(provider, ())
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host:
        raise ProviderError(provider, "refused to fetch a URL that is not https")
    if not _host_allowed(host, allowed):
        raise ProviderError(provider, f"refused to fetch from {host}: not one of the provider's hosts")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise ProviderError(provider, f"cannot resolve {host}", retryable=True) from None
        addresses = sorted({info[4][0] for info in infos})
    if not addresses or not all(address_public(a) for a in addresses):
        raise ProviderError(provider, f"refused to fetch from {host}: it resolves to a non-public address")
    # Connect to the address just checked (no second lookup an attacker could change),
    # keeping the name for TLS (SNI, certificate) and the Host header.
    pinned = addresses[0]
    netloc = f"[{pinned}]" if ":" in pinned else pinned
    target = parts._replace(netloc=f"{netloc}:{parts.port}" if parts.port else netloc).geturl()
    deadline = time.monotonic() + timeout
    body = bytearray()
    try:
        with httpx.stream(
            "GET",
            target,
            headers={**(headers or {}), "Host": parts.netloc},
            extensions={"sni_hostname": host},
            follow_redirects=False,
            timeout=timeout,
        ) as response:
            if response.status_code != 200:
                raise ProviderError(
                    provider, f"fetch answered HTTP {response.status_code}", retryable=response.status_code >= 500
                )
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise ProviderError(provider, "the file is too large")
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise ProviderError(provider, "the file is too large")
                if time.monotonic() > deadline:
                    raise ProviderError(provider, "the download took too long", retryable=True)
    except httpx.HTTPError as error:
        raise ProviderError(provider, f"fetch failed: {error}"[:300], retryable=True) from None
    return bytes(body)
