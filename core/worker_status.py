"""What the task workers are doing, read by `/sante/` and by the service banner of GBM's home.

Heartbeat: each worker (`manage.py worker`, core/management/commands/worker.py) writes the time into the default
cache every `HEARTBEAT_SECONDS`, once per queue it serves, from a small thread beside its loop. The cache is the
simplest shared place the site and the workers already use (Redis in production, a table otherwise): one
`get_many` reads every queue's beat, and nothing is added to the schema. django-tasks-db records no worker
liveness of its own (its rows say when a task ran, not that an idle worker is alive). A worker stuck inside a task
still beats, so the age of the oldest task waiting to run is reported beside it (a document's layout has a time
budget and a mail an SMTP timeout, so no task holds a worker long).

Failed mails: a mail is retried by queuing its next attempt (core/tasks.py), so a task result recorded as failed
is a mail given up after every attempt (or a reset lookup that failed). `resend_failed_mail` queues it again.
"""

import datetime
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, Min, When
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from core.tasks import DOCUMENTS_QUEUE, MAIL_QUEUE, send_email, send_password_reset

HEARTBEAT_SECONDS = 30
# The queues a worker must serve: `/sante/` and the banner watch each one's heartbeat.
WATCHED_QUEUES = (MAIL_QUEUE, DOCUMENTS_QUEUE)
MAIL_TASKS = (send_email.module_path, send_password_reset.module_path)


def _heartbeat_key(queue: str) -> str:
    return f"worker-heartbeat:{queue}"


def beat(queues, now: float | None = None) -> None:
    """Record that a worker serving `queues` is alive (kept until the next beat, with no expiry)."""
    stamp = time.time() if now is None else now
    cache.set_many({_heartbeat_key(queue): stamp for queue in queues}, timeout=None)


def heartbeat_ages(now: float | None = None) -> dict[str, int | None]:
    """Seconds since each watched queue's worker last beat; None for a queue no worker ever served (one query)."""
    now = time.time() if now is None else now
    stamps = cache.get_many([_heartbeat_key(queue) for queue in WATCHED_QUEUES])
    ages = {}
    for queue in WATCHED_QUEUES:
        stamp = stamps.get(_heartbeat_key(queue))
        ages[queue] = None if stamp is None else max(0, int(now - stamp))
    return ages


def oldest_pending_age(now: datetime.datetime | None = None) -> int | None:
    """Seconds the oldest task ready to run has waited (since it was queued, or since its deferred time), or None."""
    now = now or timezone.now()
    ready_since = (
        DBTaskResult.objects.ready()
        .annotate(
            ready_at=Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after")),
        )
        .aggregate(oldest=Min("ready_at"))["oldest"]
    )
    return None if ready_since is None else max(0, int((now - ready_since).total_seconds()))


def failed_mails():
    """The mails given up after every attempt, newest first."""
    return DBTaskResult.objects.failed().filter(task_path__in=MAIL_TASKS).order_by("-finished_at")


def has_failed_mails() -> bool:
    return failed_mails().exists()


def describe(result: DBTaskResult) -> dict:
    """What an officer needs to see of a failed mail: its recipients, its subject and the error (its last line)."""
    args = result.args_kwargs.get("args") or [None]
    if result.task_path == send_email.module_path:
        message = args[0] or {}
        recipients, subject = ", ".join(message.get("to", [])), message.get("subject", "")
    else:
        recipients, subject = args[0] or "", "Réinitialisation du mot de passe"
    lines = [line for line in (result.traceback or "").strip().splitlines() if line.strip()]
    error = lines[-1] if lines else result.exception_class_path
    return {"id": result.id, "recipients": recipients, "subject": subject, "error": error, "at": result.finished_at}


def resend_failed_mail(result_id) -> bool:
    """Queue a failed mail again (from its first attempt) and forget its failure; False when it was already resent.

    The failed row is deleted first, in the same transaction as the new task: of two clicks on « Renvoyer », only
    the one whose delete removed the row queues the mail.
    """
    with transaction.atomic():
        result = failed_mails().filter(pk=result_id).first()
        if result is None or not DBTaskResult.objects.filter(pk=result.pk, status=result.status).delete()[0]:
            return False
        args = result.args_kwargs.get("args") or []
        if result.task_path == send_email.module_path:
            send_email.enqueue(args[0])
        else:
            send_password_reset.enqueue(*args)
    return True


# /sante/ answers 503 when a queue's worker has not beaten for this long (4 beats missed)…
WORKER_STALE_SECONDS = 4 * HEARTBEAT_SECONDS
# … or when a task ready to run has waited this long (a worker alive but stuck, or too few workers).
PENDING_LATE_SECONDS = 10 * 60


def service_health() -> tuple[bool, dict]:
    """(all well?, the report of `/sante/`): the database, the cache, each queue's heartbeat and the oldest task
    waiting. Two queries; ages in seconds, states as words, nothing else (no host, version, count or address)."""
    report = {"database": "ok", "cache": "ok", "worker": "ok"}
    try:
        pending = oldest_pending_age()
    except Exception:
        report["database"], pending = "error", None
    try:
        ages = heartbeat_ages()
    except Exception:
        report["cache"], ages = "error", {}
    if report["cache"] == "ok" and any(age is None or age >= WORKER_STALE_SECONDS for age in ages.values()):
        report["worker"] = "silent"
    elif pending is not None and pending >= PENDING_LATE_SECONDS:
        report["worker"] = "late"
    healthy = all(state == "ok" for state in report.values())
    return healthy, {
        "status": "ok" if healthy else "error",
        **report,
        "worker_heartbeat_age_seconds": ages,
        "oldest_pending_task_age_seconds": pending,
    }
