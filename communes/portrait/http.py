"""The portrait's one HTTP client: timeouts, retries and each source's rate limit, in one place.

Every adapter reads through `SourceClient.get()`. A source that answers 429 or 5xx, times out or cannot be reached
is tried again (`ATTEMPTS` in all, waiting `BACKOFF_SECONDS` times the attempt, or the source's Retry-After); after
the last attempt `SourceUnavailable` carries a French reason for the page. Calls to one source are spaced by its
`min_interval` (its published rate limit), counted per host, in this process (the worker refreshes one commune
after another); a large national file read with `keep=True` is downloaded once per client. Tests pass an `httpx.MockTransport` and a `sleep` that does not wait.
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings

# httpx logs every request at INFO: the refresh command reports its own progress, the worker its failures.
logging.getLogger("httpx").setLevel(logging.WARNING)

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
ATTEMPTS = 3
BACKOFF_SECONDS = 2.0
MAX_RETRY_AFTER_SECONDS = 30.0
RETRIED_STATUSES = {429, 500, 502, 503, 504}
USER_AGENT = "PAT-portal-GBM/1.0 (portrait alimentaire communal)"
MAX_BODY_BYTES = 20 * 1024 * 1024

CHANGED_SOURCE = "source indisponible ou modifiée"


class SourceUnavailable(Exception):
    """The source could not be read, or its answer no longer has the expected shape; the message is French."""


def changed(detail: str) -> SourceUnavailable:
    """The French error for an answer whose shape changed (a renamed or missing field)."""
    return SourceUnavailable(f"{CHANGED_SOURCE.capitalize()} : {detail}")


@dataclass(frozen=True)
class Answer:
    url: str
    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as error:
            raise changed("la réponse n'est pas du JSON valide") from error

    def text(self, encoding: str = "utf-8") -> str:
        try:
            return self.body.decode(encoding)
        except UnicodeDecodeError as error:
            raise changed(f"la réponse n'est pas du texte {encoding}") from error


class SourceClient:
    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._client = httpx.Client(
            timeout=TIMEOUT, transport=transport, headers={"User-Agent": USER_AGENT}, follow_redirects=True
        )
        self._sleep = sleep
        self._clock = clock
        self._last_call: dict[str, float] = {}
        self._kept: dict[tuple, Answer] = {}
        # Tests (and an offline demo) set PORTRAIT_NETWORK = False: nothing leaves the machine, a source is "offline".
        self._offline = transport is None and not getattr(settings, "PORTRAIT_NETWORK", True)

    def close(self) -> None:
        self._client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _wait_turn(self, host: str, min_interval: float) -> None:
        last = self._last_call.get(host)
        if last is not None:
            wait = min_interval - (self._clock() - last)
            if wait > 0:
                self._sleep(wait)
        self._last_call[host] = self._clock()

    def get(self, url: str, *, params: dict | None = None, min_interval: float = 0.0, keep: bool = False) -> Answer:
        """The answer to one GET; `keep`: the same URL is read once in this client's life (a large national file)."""
        memo_key = (url, tuple(sorted((params or {}).items())))
        if keep and memo_key in self._kept:
            return self._kept[memo_key]
        answer = self._get(url, params=params, min_interval=min_interval)
        if keep:
            self._kept[memo_key] = answer
        return answer

    def _get(self, url: str, *, params: dict | None, min_interval: float) -> Answer:
        if self._offline:
            raise SourceUnavailable("Source non consultée : l'accès au réseau est désactivé sur ce serveur.")
        host = urlsplit(url).netloc
        reason = ""
        for attempt in range(1, ATTEMPTS + 1):
            self._wait_turn(host, min_interval)
            retry_after = None
            try:
                response = self._client.get(url, params=params)
            except httpx.TimeoutException:
                reason = "la source n'a pas répondu à temps"
            except httpx.HTTPError:
                reason = "la source est injoignable (réseau)"
            else:
                if response.status_code == 200:
                    if len(response.content) > MAX_BODY_BYTES:
                        raise SourceUnavailable("Réponse trop volumineuse de la source.")
                    return Answer(url=str(response.url), body=response.content)
                if response.status_code not in RETRIED_STATUSES:
                    raise SourceUnavailable(
                        f"Source indisponible ou modifiée : la source a répondu {response.status_code}."
                    )
                reason = (
                    "trop de demandes (limite de la source atteinte)"
                    if response.status_code == 429
                    else f"erreur {response.status_code} de la source"
                )
                retry_after = _seconds(response.headers.get("Retry-After"))
            if attempt < ATTEMPTS:
                self._sleep(
                    min(retry_after if retry_after is not None else BACKOFF_SECONDS * attempt, MAX_RETRY_AFTER_SECONDS)
                )
        raise SourceUnavailable(f"Source indisponible : {reason} ({ATTEMPTS} essais).")


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
