"""The dry run, kept server-side until the person confirms it.

The rows read from the file (JSON: text, numbers as strings, dates as ISO) and the fingerprint of what the plan or
diagnostic held when they were previewed go to the shared cache, under the importing person, the accompaniment and
the file's SHA-256, for an hour. « Confirmer l'import » sends only that SHA-256: what is imported is what was
previewed, never a file sent again.
"""

import re

from django.core.cache import cache

PREVIEW_LIFETIME = 3600
TOKEN_PATTERN = re.compile(r"[0-9a-f]{64}")


def _key(kind: str, user, target_id: int, token: str) -> str:
    return f"import-preview:{kind}:{user.pk}:{target_id}:{token}"


def store(kind: str, user, target_id: int, data: dict) -> str:
    token = data["sha256"]
    cache.set(_key(kind, user, target_id, token), data, PREVIEW_LIFETIME)
    return token


def load(kind: str, user, target_id: int, token: str) -> dict | None:
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return cache.get(_key(kind, user, target_id, token))


def discard(kind: str, user, target_id: int, token: str) -> None:
    cache.delete(_key(kind, user, target_id, token))
