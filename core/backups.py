"""Back up and restore the whole portal: every app's rows (JSON) and the media files, in one .tar.gz archive.

Works on SQLite and PostgreSQL alike (Django's serializers, not a database-specific dump), so an archive taken
on one can be restored on the other. Content types and permissions are rebuilt by `migrate` and referenced by
natural keys; sessions, the cache and django-axes' login logs are transient and left out.

Archive layout::

    manifest.json   format version, date, database vendor, row count per model, media file count
    data.json       `dumpdata --natural-foreign` of every model except the excluded ones
    media/...       the MEDIA_ROOT tree (frozen deliverable PDFs, uploads)
"""

import contextlib
import datetime
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from core.models import Deliverable

FORMAT_VERSION = 1
ARCHIVE_GLOB = "pat-portal-*.tar.gz"
# Written beside the archives after each complete backup: what `backup --status` and GBM's home read.
STATUS_NAME = "derniere-sauvegarde.json"
# GBM's home warns when the last good backup is older than this.
MAX_AGE = datetime.timedelta(days=2)
# Rebuilt by `migrate` (referenced through natural keys), or transient (sessions, login throttling logs).
EXCLUDED_MODELS = (
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
)
DATA_NAME = "data.json"
MANIFEST_NAME = "manifest.json"
MEDIA_PREFIX = "media"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is French and says why."""


@dataclass(frozen=True)
class RestoreResult:
    rows: int
    media_files: int
    frozen_pdfs_checked: int


# Sent inside the restore's transaction, once the rows are loaded: what a domain derives from its rows and keeps
# with its model's signals (which a restore does not send) is recomputed there (e.g. the order lines' consumption).
restored = Signal()


def backed_up_models() -> list:
    """Every table whose rows go into the archive, M2M tables included (a stable order: app label, model name)."""
    excluded = set(EXCLUDED_MODELS)
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label_lower not in excluded and not model._meta.proxy and model._meta.managed
    ]
    return sorted(models, key=lambda model: model._meta.label_lower)


def row_counts() -> dict[str, int]:
    """Rows per backed-up model (also written in the manifest, compared by the tests)."""
    return {model._meta.label_lower: model._base_manager.count() for model in backed_up_models()}


def _media_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


def create_backup(*, output_dir: Path) -> Path:
    """Write `pat-portal-<date>.tar.gz` in `output_dir` and return its path.

    The rows are read in one transaction, so the dump is consistent even while people keep working.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    archive_path = output_dir / f"pat-portal-{stamp}.tar.gz"
    suffix = 1
    while archive_path.exists():  # two backups within one second
        suffix += 1
        archive_path = output_dir / f"pat-portal-{stamp}-{suffix}.tar.gz"
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="pat-backup-") as workdir:
        data_path = Path(workdir) / DATA_NAME
        with transaction.atomic():
            call_command(
                "dumpdata",
                *(f"--exclude={label}" for label in EXCLUDED_MODELS),
                natural_foreign=True,
                output=str(data_path),
                verbosity=0,
            )
            counts = row_counts()
        media = _media_files(media_root)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "rows": counts,
            "media_files": len(media),
        }
        partial = archive_path.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, MANIFEST_NAME, json.dumps(manifest, indent=2).encode())
            archive.add(data_path, arcname=DATA_NAME)
            for path in media:
                archive.add(path, arcname=f"{MEDIA_PREFIX}/{path.relative_to(media_root).as_posix()}")
        # Renamed only once complete: a crash never leaves a truncated archive under the final name.
        partial.rename(archive_path)
    _record_success(output_dir, archive_path, rows=sum(counts.values()), media_files=len(media))
    return archive_path


def _record_success(output_dir: Path, archive_path: Path, *, rows: int, media_files: int) -> None:
    status = {
        "archive": archive_path.name,
        "finished_at": timezone.now().isoformat(),
        "rows": rows,
        "media_files": media_files,
        "size": archive_path.stat().st_size,
    }
    partial = output_dir / f"{STATUS_NAME}.partial"
    partial.write_text(json.dumps(status, indent=2))
    partial.replace(output_dir / STATUS_NAME)


@dataclass(frozen=True)
class LastBackup:
    archive: str
    finished_at: datetime.datetime
    rows: int
    size: int

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) - self.finished_at > MAX_AGE


def last_backup(output_dir: Path | None = None) -> LastBackup | None:
    """The last complete backup recorded in `output_dir` (default: BACKUP_DIR), or None when none is."""
    path = Path(output_dir or settings.BACKUP_DIR) / STATUS_NAME
    try:
        status = json.loads(path.read_text())
        return LastBackup(
            archive=status["archive"],
            finished_at=datetime.datetime.fromisoformat(status["finished_at"]),
            rows=int(status["rows"]),
            size=int(status["size"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def backup_overdue(now: datetime.datetime | None = None) -> bool:
    """No backup has succeeded in BACKUP_DIR for MAX_AGE (or none ever did)."""
    last = last_backup()
    return last is None or last.is_overdue(now)


def status_text(output_dir: Path | None = None, now: datetime.datetime | None = None) -> str:
    """One French sentence: when the last good backup was made (or that none is recorded)."""
    output_dir = Path(output_dir or settings.BACKUP_DIR)
    last = last_backup(output_dir)
    if last is None:
        return f"Aucune sauvegarde réussie n'est enregistrée dans {output_dir}."
    now = now or timezone.now()
    age = now - last.finished_at
    hours = int(age.total_seconds() // 3600)
    if hours >= 24:
        ago = f"il y a {hours // 24} jour(s) et {hours % 24} heure(s)"
    else:
        ago = f"il y a {hours} heure(s)" if hours else f"il y a {int(age.total_seconds() // 60)} minute(s)"
    when = timezone.localtime(last.finished_at).strftime("%d/%m/%Y à %H:%M")
    text = f"Dernière sauvegarde réussie : le {when} ({ago}), {last.archive}, {last.rows} lignes."
    if last.is_overdue(now):
        text += " ATTENTION : aucune sauvegarde n'a réussi depuis plus de 2 jours."
    return text


def prune_backups(output_dir: Path, *, keep: int) -> list[Path]:
    """Delete the oldest archives of `output_dir` beyond the `keep` newest (0: keep all); return the deleted ones."""
    if keep <= 0:
        return []
    archives = sorted(Path(output_dir).glob(ARCHIVE_GLOB), key=lambda path: (path.stat().st_mtime, path.name))
    doomed = archives[:-keep]
    for path in doomed:
        path.unlink()
    return doomed


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(datetime.datetime.now().timestamp())
    archive.addfile(info, io.BytesIO(content))


def database_is_empty() -> bool:
    """No row in any backed-up model (content types and permissions created by `migrate` do not count)."""
    return not any(model._base_manager.exists() for model in backed_up_models())


def _flush_backed_up_tables() -> None:
    tables = sorted({model._meta.db_table for model in backed_up_models()})
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    connection.ops.execute_sql_flush(statements)


def _read_archive(archive_path: Path, workdir: Path) -> tuple[dict, Path, Path]:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            # The "data" filter refuses absolute paths, "..", links outside the tree and device files.
            archive.extractall(workdir, filter="data")
    except FileNotFoundError as error:
        raise BackupError(f"Archive introuvable : {archive_path}") from error
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"Archive illisible ou corrompue : {error}") from error
    manifest_path, data_path = workdir / MANIFEST_NAME, workdir / DATA_NAME
    if not manifest_path.exists() or not data_path.exists():
        raise BackupError("Ce fichier n'est pas une sauvegarde du portail (manifest.json ou data.json manquant).")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Format de sauvegarde {manifest.get('format')} non pris en charge.")
    return manifest, data_path, workdir / MEDIA_PREFIX


def _check_frozen_pdfs_in_archive(data_path: Path, media_dir: Path) -> None:
    """Before writing anything: every frozen PDF is in the archive with its recorded SHA-256."""
    rows = json.loads(data_path.read_text())
    for row in rows:
        if row["model"] != "pat_portal.deliverable" or not row["fields"].get("sha256"):
            continue
        path = media_dir / row["fields"]["pdf"]
        if not path.is_file():
            raise BackupError(f"PDF figé du livrable {row['pk']} absent de l'archive : {row['fields']['pdf']}")
        if hashlib.sha256(path.read_bytes()).hexdigest() != row["fields"]["sha256"]:
            raise BackupError(f"Empreinte SHA-256 du PDF figé du livrable {row['pk']} incorrecte dans l'archive.")


@contextlib.contextmanager
def _history_recording_off():
    """The archive already holds every history row: loading M2M fields must not record new ones.

    (simple-history skips raw saves but not the m2m_changed signal that loaddata's M2M assignment sends.)
    """
    previous = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    settings.SIMPLE_HISTORY_ENABLED = False
    try:
        yield
    finally:
        settings.SIMPLE_HISTORY_ENABLED = previous


def restore_backup(*, archive_path: Path, force: bool = False) -> RestoreResult:
    """Load an archive made by `create_backup` into this database and MEDIA_ROOT.

    Refuses a database that already holds data unless `force` (then its rows are replaced). All or nothing:
    the rows are loaded in one transaction, which is rolled back if a frozen PDF does not match its SHA-256.
    """
    with tempfile.TemporaryDirectory(prefix="pat-restore-") as workdir:
        manifest, data_path, media_dir = _read_archive(Path(archive_path), Path(workdir))
        _check_frozen_pdfs_in_archive(data_path, media_dir)
        if not force and not database_is_empty():
            raise BackupError(
                "La base de données n'est pas vide : la restauration remplacerait ses données. "
                "Relancez avec --force pour l'accepter."
            )
        media_root = Path(settings.MEDIA_ROOT)
        media = _media_files(media_dir)
        with transaction.atomic():
            if force:
                _flush_backed_up_tables()
            with _history_recording_off():
                call_command("loaddata", str(data_path), verbosity=0)
            for path in media:
                target = media_root / path.relative_to(media_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            frozen = list(Deliverable.objects.filter(status=Deliverable.Status.VALIDATED).exclude(sha256=""))
            broken = [deliverable.pk for deliverable in frozen if not deliverable.integrity_ok()]
            if broken:
                raise BackupError(f"PDF figés altérés après restauration (livrables {broken}) : rien n'est restauré.")
            counts = row_counts()
            # A model added since the backup simply has no rows yet.
            differences = {
                label: (manifest["rows"].get(label, 0), count)
                for label, count in counts.items()
                if manifest["rows"].get(label, 0) != count
            }
            if differences:
                raise BackupError(f"Nombre de lignes différent de la sauvegarde : {differences}")
            restored.send(sender=restore_backup)
    return RestoreResult(rows=sum(counts.values()), media_files=len(media), frozen_pdfs_checked=len(frozen))
