"""Background tasks of the portal (django-tasks): every e-mail leaves through here, and long PDF layouts.

No request talks to the mail server. A request queues its messages once its transaction commits
(`notifications.queue_email`, `queue_password_reset`) on the `mail` queue; a worker (`manage.py worker
--queue-name mail,default`, database backend) sends them. A mail server that refuses or never answers costs the
worker `EMAIL_TIMEOUT` seconds and a later attempt, never a user their answer. Long PDF layouts go to the
`documents` queue and its own worker, each in a child process with a time budget (`pdf_layout.lay_out_within_budget`),
so that a mail never waits behind a document and a stop signal never waits for a layout.

Retries: django-tasks has none built in, so a failed attempt queues the next one itself (with `run_after`
when the backend can defer, at once otherwise, as the immediate backend of the tests). After `MAX_ATTEMPTS`
the failure is logged as an error and the task is recorded as failed: GBM's home then shows a banner leading to
the failed mails, which an officer can send again (core/worker_status.py).
"""

import hashlib
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from core.models import Deliverable
from core.pdf_layout import (
    LayoutInterrupted,
    LayoutOverBudget,
    cache_key,
    expect,
    lay_out_within_budget,
    purge_mark,
)

logger = logging.getLogger(__name__)

# Two queues, each with its own worker (`make run`, README): a mail never waits behind a long document's layout.
MAIL_QUEUE = "mail"
DOCUMENTS_QUEUE = "documents"

MAX_ATTEMPTS = 3
# Waits before the 2nd and the 3rd attempt: time for a restarting or overloaded mail server to come back.
RETRY_DELAYS = (timedelta(minutes=2), timedelta(minutes=15))


def deliver(message: dict, *, attempt: int = 1) -> None:
    """Send one message (`subject`, `body`, `to`) now; on failure queue the next attempt, or log and raise after the last.

    The subject is put on one line: a title typed with a line break (a workshop's) would otherwise make Django refuse
    the header (BadHeaderError) at every attempt.
    """
    message = {**message, "subject": " ".join(message["subject"].split())}
    email = EmailMessage(message["subject"], message["body"], settings.DEFAULT_FROM_EMAIL, message["to"])
    try:
        get_connection().send_messages([email])
    except Exception:
        recipients = ", ".join(message["to"])
        if attempt >= MAX_ATTEMPTS:
            logger.error(
                "E-mail « %s » to %s not sent after %d attempts: given up",
                message["subject"],
                recipients,
                attempt,
                exc_info=True,
            )
            raise
        delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
        logger.warning(
            "E-mail « %s » to %s not sent (attempt %d of %d): retrying in %s",
            message["subject"],
            recipients,
            attempt,
            MAX_ATTEMPTS,
            delay,
            exc_info=True,
        )
        retry = send_email
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=timezone.now() + delay)
        retry.enqueue(message, attempt=attempt + 1)


@task(queue_name=MAIL_QUEUE)
def send_email(message: dict, attempt: int = 1) -> None:
    """One e-mail of the portal (already rendered), attempt `attempt` of `MAX_ATTEMPTS`."""
    deliver(message, attempt=attempt)


class _ResetMessages(PasswordResetForm):
    """Django's password-reset form (the accounts it finds, its token and link), collecting messages instead of
    sending them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.messages: list[dict] = []

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        self.messages.append({"subject": subject, "body": body, "to": [to_email]})


@task(queue_name=MAIL_QUEUE)
def send_password_reset(email: str) -> None:
    """Mail a reset link to each active account of `email` (with a usable password); for any other address, nothing.

    The accounts are looked up here, in the worker, so that the request does the same work for every address and
    its answer tells nobody whether an account exists. The link is built on `SITE_URL`, never on the request's Host.
    """
    form = _ResetMessages({"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.SITE_URL)
    form.save(domain_override=site.netloc, use_https=site.scheme == "https")
    for message in form.messages:
        deliver(message)


# A layout stopped over budget is remembered under "failed:<key>" for this long: the person's page says so (in
# French) instead of queuing the same hopeless layout again at each reload; later, a reload tries once more.
FAILED_LAYOUT_SECONDS = 10 * 60
# A frozen version's layout may take this long (a 1,000-action plan: 20 minutes and more).
FROZEN_LAYOUT_SECONDS = 2 * 3600


@task(queue_name=DOCUMENTS_QUEUE)
def lay_out_pdf(html: str, archival: bool = False, key: str = "", mark: str | None = None) -> None:
    """Lay out a long PDF a person is waiting for (`pdf.render_pdf` during a GET); the file goes to the `pdfs` cache,
    where their page's next reload finds it. Past its time budget, the page tells them the layout was stopped; on a
    stop signal, the layout is dropped at once and the next reload queues it again."""
    key = key or cache_key(html, archival)
    cache = caches["pdfs"]
    if cache.get(key) is not None:
        return  # queued twice (a reload after the pending mark expired): laid out already
    if mark != purge_mark():
        return  # written before an erasure: the person's next reload writes it again, without the erased person
    try:
        lay_out_within_budget(html, archival=archival, key=key)
    except LayoutOverBudget:
        logger.warning("PDF layout %s stopped: over its time budget of %s s", key, settings.DOCUMENT_TIME_BUDGET)
        cache.set("failed:" + key, True, timeout=FAILED_LAYOUT_SECONDS)
        cache.delete("pending:" + key)
    except LayoutInterrupted:
        cache.delete("pending:" + key)
        raise


def store_frozen_pdf(deliverable_id: int, content: bytes) -> None:
    """Store a validated version's archival PDF with its SHA-256 and size, once; nothing for a version withdrawn
    before its file was ready (its content may name someone who asked to be removed)."""
    with transaction.atomic():
        deliverable = Deliverable.objects.select_for_update().get(pk=deliverable_id)
        if deliverable.status != Deliverable.Status.VALIDATED or deliverable.sha256:
            return
        deliverable.sha256 = hashlib.sha256(content).hexdigest()
        deliverable.pdf_size = len(content)
        deliverable.pdf.save(f"v{deliverable.version}.pdf", ContentFile(content), save=False)
        deliverable.save(update_fields=["sha256", "pdf_size", "pdf"])


def frozen_layout_name(deliverable_id: int) -> str:
    return f"frozen:{deliverable_id}"


def queue_frozen_layout(deliverable_id: int, html: str) -> None:
    """Queue a validated version's layout, remembering how long it should take (« Document en préparation »)."""
    expect(frozen_layout_name(deliverable_id), html, timeout=FROZEN_LAYOUT_SECONDS)
    freeze_deliverable_pdf.enqueue(deliverable_id, html)


@task(queue_name=DOCUMENTS_QUEUE)
def freeze_deliverable_pdf(deliverable_id: int, html: str) -> None:
    """Lay out a validated version's archival PDF (PDF/A) from the HTML written at its validation, and store it.

    Nobody waits for it, and it is the version's record: its budget (`FROZEN_LAYOUT_SECONDS`) only stops a layout
    that hangs (past it, the task fails, logged and recorded as failed in the admin's task results). Interrupted by
    a stop signal, it is queued again for the next worker."""
    try:
        pdf = lay_out_within_budget(html, archival=True, budget=FROZEN_LAYOUT_SECONDS)
    except LayoutInterrupted:
        freeze_deliverable_pdf.enqueue(deliverable_id, html)
        raise
    store_frozen_pdf(deliverable_id, pdf)
