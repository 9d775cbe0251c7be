"""One form sent, one row created: the same POST received twice (a double click, a reload after a slow answer)
creates nothing the second time and lands where the first one did, with the message « Déjà enregistré ».

Every create form carries a one-time token in a hidden field, issued with the form; the view is decorated:

    class MeetingForm(SubmissionTokenMixin, VersionedModelForm): ...   # layouts list `SUBMISSION_TOKEN_FIELD`

    @once_per_submission
    def meeting_create(request): ...

A form without a form class (a single button) writes `{% submission_token %}` (`submissions` tag library).

The first request that brings a token claims it in the shared cache (an atomic `add`, so two requests arriving at
the same moment cannot both claim it), runs the view, and keeps where the view redirected to. A replay of the
token redirects there; a replay that arrives while the first request still runs waits for it a few seconds. When
the first request did not create anything (the form had errors), the token is released, so the corrected form,
which carries the same token, goes through. A POST without a token is handled as before (nothing is refused).
"""

import functools
import hashlib
import re
import secrets
import time

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect

SUBMISSION_TOKEN_FIELD = "submission_token"
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,64}")
# Long enough for any reload or "back then send again"; short enough to keep the cache small.
TOKEN_LIFETIME = 2 * 3600
PENDING = "…"
WAIT_FOR_FIRST_SECONDS = 10.0
WAIT_STEP_SECONDS = 0.1

ALREADY_SAVED_MESSAGE = "Déjà enregistré : ce formulaire avait déjà été envoyé, rien n'a été créé une seconde fois."
STILL_SAVING_MESSAGE = (
    "Votre premier envoi de ce formulaire est encore en cours d'enregistrement : vérifiez dans un instant qu'il a "
    "bien été enregistré avant de l'envoyer à nouveau."
)


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


class SubmissionTokenMixin:
    """Adds the hidden one-time token to a create form (a new token each time the empty form is shown)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[SUBMISSION_TOKEN_FIELD] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=new_submission_token, max_length=64
        )


def posted_token(request) -> str | None:
    """The token of the form posted (prefixed forms included), if it has a well-formed one."""
    for name, value in request.POST.items():
        is_token_field = name == SUBMISSION_TOKEN_FIELD or name.endswith(f"-{SUBMISSION_TOKEN_FIELD}")
        if is_token_field and TOKEN_PATTERN.fullmatch(value or ""):
            return value
    return None


def _cache_key(request, token: str) -> str:
    # Scoped by user and page: a token copied into another form or sent by another account claims nothing of theirs.
    user_id = getattr(getattr(request, "user", None), "pk", None) or "-"
    digest = hashlib.sha256(f"{user_id}|{request.path}|{token}".encode()).hexdigest()[:40]
    return f"submission:{digest}"


def _replay(request, key: str):
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while True:
        location = cache.get(key)
        if location is None:
            return None  # the first request created nothing: this one may go through
        if location != PENDING:
            messages.info(request, ALREADY_SAVED_MESSAGE)
            return redirect(location)
        if time.monotonic() >= deadline:
            messages.warning(request, STILL_SAVING_MESSAGE)
            return redirect(request.get_full_path())
        time.sleep(WAIT_STEP_SECONDS)


def once_per_submission(view):
    """Decorate a create view: a form's token is honoured once; its replays redirect to what the first one created."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        token = posted_token(request) if request.method == "POST" else None
        if token is None:
            return view(request, *args, **kwargs)
        key = _cache_key(request, token)
        while not cache.add(key, PENDING, timeout=TOKEN_LIFETIME):
            response = _replay(request, key)
            if response is not None:
                return response
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            cache.delete(key)
            raise
        if response.status_code in (301, 302, 303) and response.get("Location"):
            cache.set(key, response["Location"], timeout=TOKEN_LIFETIME)
        else:
            cache.delete(key)
        return response

    return wrapped
