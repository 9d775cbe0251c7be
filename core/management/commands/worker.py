"""`manage.py worker`: django-tasks-db's `db_worker` (same options) that also writes its heartbeat.

Every `worker_status.HEARTBEAT_SECONDS`, a small thread beside the worker's loop records the time for each queue the
worker serves (`--queue-name`, '*' for all the configured ones): `/sante/` and GBM's home read it
(core/worker_status.py). Run one worker per queue, `mail,default` and `documents` (`make run`, README).
"""

import logging
import threading

from django.db import close_old_connections
from django_tasks_db.compat import task_backends
from django_tasks_db.management.commands import db_worker

from core import worker_status

logger = logging.getLogger("core.tasks")


def _beat(queues) -> None:
    try:
        worker_status.beat(queues)
    except Exception:  # a cache or database hiccup: the next beat tries again
        logger.warning("Worker heartbeat not written", exc_info=True)


def _beat_forever(queues, stopped: threading.Event) -> None:
    while not stopped.wait(worker_status.HEARTBEAT_SECONDS):
        _beat(queues)
        close_old_connections()


class Command(db_worker.Command):
    help = "Run a task worker (django-tasks-db's db_worker) that writes its heartbeat for /sante/ and GBM's home"

    def handle(self, *args, queue_name: str, backend_name: str, **options):
        queues = queue_name.split(",")
        if "*" in queues:
            queues = sorted(task_backends[backend_name].queues)
        _beat(queues)  # at once, from the worker's own thread (a `--batch` run beats too)
        stopped = threading.Event()
        threading.Thread(target=_beat_forever, args=(queues, stopped), name="heartbeat", daemon=True).start()
        try:
            super().handle(*args, queue_name=queue_name, backend_name=backend_name, **options)
        finally:
            stopped.set()
