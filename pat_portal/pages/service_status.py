"""The service banner at the top of GBM's home: what stops the portal from doing its work unseen.

Each check is one function taking nothing and returning a list of `Alert` (empty when all is well), listed once in
`CHECKS`; adding a check is writing one function and naming it there. Keep each check to a query or a cache read:
the banner is computed on every visit to a GBM officer's home.
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core import backups, worker_status

# A worker that has not beaten for this long is reported as stopped.
WORKER_SILENT_SECONDS = 10 * 60


@dataclass(frozen=True)
class Alert:
    message: str
    link: str = ""
    link_text: str = ""


def silent_workers() -> list[Alert]:
    """A queue whose worker has been silent for 10 minutes: mails or documents are no longer processed."""
    labels = {worker_status.MAIL_QUEUE: "les courriels", worker_status.DOCUMENTS_QUEUE: "les documents PDF longs"}
    silent = [
        labels.get(queue, queue)
        for queue, age in worker_status.heartbeat_ages().items()
        if age is None or age >= WORKER_SILENT_SECONDS
    ]
    if not silent:
        return []
    return [
        Alert(
            f"Le programme d'envoi en arrière-plan ne répond plus depuis au moins 10 minutes : {' et '.join(silent)} "
            "ne partent plus. Prévenez l'administrateur du serveur (service « worker » à redémarrer)."
        )
    ]


def failed_mails() -> list[Alert]:
    """Mails given up after every attempt: an officer can read their error and send them again."""
    if not worker_status.has_failed_mails():
        return []
    return [
        Alert(
            "Des courriels n'ont pas pu être envoyés malgré plusieurs tentatives.",
            reverse("failed_mails"),
            "Voir les courriels en échec",
        )
    ]


def overdue_backup() -> list[Alert]:
    """No backup has succeeded for 2 days (the timer stopped, the disk is full…): read from the file `backup` writes
    beside its archives. Not in development, where no timer runs."""
    if settings.DEBUG or not backups.backup_overdue():
        return []
    last = backups.last_backup()
    since = (
        f"depuis le {timezone.localtime(last.finished_at).strftime('%d/%m/%Y')}"
        if last
        else "depuis la mise en service"
    )
    return [
        Alert(
            f"Aucune sauvegarde des données n'a réussi {since} (plus de 2 jours). Prévenez l'administrateur du "
            "serveur : minuterie « pat-portal-backup.timer » et commande « manage.py backup --status »."
        )
    ]


CHECKS = [silent_workers, failed_mails, overdue_backup]


def alerts() -> list[Alert]:
    return [alert for check in CHECKS for alert in check()]
