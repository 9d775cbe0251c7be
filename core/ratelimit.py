"""A small rate limiter for public forms, with its counters in Django's shared cache.

The cache is shared by every worker (Redis when `REDIS_URL` is set, else the database cache), so the
limit holds across processes and hosts. The window slides: the previous window's count is weighted by
the part of it still inside the last `window` seconds, so no burst of twice the limit at a boundary.

    @ratelimit("demande-publique", limit=5, window=3600, template="missions/support/rate_limited.html")
    def public_request_create(request): ...

Only the methods listed (POST by default) are counted; over the limit the view is not called and the
template is rendered with status 429 and a `Retry-After` header.

Client address: `REMOTE_ADDR`, unless the setting `RATELIMIT_TRUSTED_PROXY_COUNT` says how many reverse
proxies of ours append to `X-Forwarded-For` (then the address they saw is taken, never one the client
wrote itself). With the database cache, two hits at the very same moment may both pass (read then
write): the limit is approximate by one or two, which is enough against form flooding.
"""

import functools
import hashlib
import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.shortcuts import render


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: float
    retry_after: int


def client_ip(request) -> str:
    """The client's address as seen by our outermost trusted proxy (or by us without proxy)."""
    trusted_proxies = int(getattr(settings, "RATELIMIT_TRUSTED_PROXY_COUNT", 0) or 0)
    if trusted_proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= trusted_proxies:
            return forwarded[-trusted_proxies]
    return request.META.get("REMOTE_ADDR") or "inconnue"


def login_client_ip(request) -> str | None:
    """The address django-axes counts login failures against (setting `AXES_CLIENT_IP_CALLABLE`).

    The same trusted-proxy reading as the form rate limiter: behind a reverse proxy, keying on `REMOTE_ADDR`
    would lock every person out of an account after five failures from anyone. Axes stores the address in an
    IP address column, so anything that is not one (no address at all) is given as None, never a made-up string.
    """
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _key(scope: str, identity: str, bucket: int) -> str:
    # Hashed: cache keys stay short and free of characters some backends refuse (IPv6 colons, spaces).
    digest = hashlib.sha256(f"{scope}|{identity}".encode()).hexdigest()[:32]
    return f"ratelimit:{digest}:{bucket}"


def hit(scope: str, identity: str, *, limit: int, window: int, now: float | None = None) -> Verdict:
    """Count one hit of `identity` in `scope`; allowed while at most `limit` hits fell in the last `window` s."""
    now = time.time() if now is None else now
    bucket = int(now // window)
    current_key, previous_key = _key(scope, identity, bucket), _key(scope, identity, bucket - 1)
    timeout = 2 * window + 60
    if cache.add(current_key, 1, timeout=timeout):
        current = 1
    else:
        try:
            current = cache.incr(current_key)
        except ValueError:  # expired between add() and incr()
            cache.set(current_key, 1, timeout=timeout)
            current = 1
    previous = cache.get(previous_key, 0)
    elapsed_fraction = (now % window) / window
    count = current + previous * (1 - elapsed_fraction)
    allowed = count <= limit
    retry_after = 0 if allowed else _seconds_until_next_hit_allowed(current, previous, limit, window, now)
    return Verdict(allowed=allowed, count=count, retry_after=retry_after)


def _seconds_until_next_hit_allowed(current: int, previous: int, limit: int, window: int, now: float) -> int:
    """When one more hit would be allowed if the client stopped now (the weighted count decays with time)."""
    into_window = now % window
    room = limit - 1  # the next hit counts itself
    if current <= room and previous:
        # Still in this window: wait until the previous window's weight has decayed enough.
        fraction_needed = 1 - (room - current) / previous
        seconds = fraction_needed * window - into_window
    else:
        # Next window: this window's hits become the decaying ones.
        fraction_needed = 1 - room / current if current else 0
        seconds = (window - into_window) + max(0.0, fraction_needed) * window
    return max(1, math.ceil(seconds))


def ratelimit(
    scope: str,
    *,
    limit: int,
    window: int,
    template: str,
    methods: tuple[str, ...] = ("POST",),
    key: Callable[[HttpRequest], str] = client_ip,
):
    """Decorate a view: over `limit` requests per `key` (the client address by default) in `window` seconds, answer
    429 with `template`. Stack two to limit by two keys (e.g. per address and per e-mail typed)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                verdict = hit(scope, key(request), limit=limit, window=window)
                if not verdict.allowed:
                    minutes = max(1, math.ceil(verdict.retry_after / 60))
                    response = render(request, template, {"retry_minutes": minutes}, status=429)
                    response["Retry-After"] = str(verdict.retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
