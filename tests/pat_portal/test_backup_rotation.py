"""Backups on a timer: a set number of copies is kept, and the last good one is known (backup --status, home)."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from core.backups import STATUS_NAME, backup_overdue, last_backup

pytestmark = pytest.mark.django_db


@pytest.fixture
def backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "sauvegardes"
    return settings.BACKUP_DIR


def _status() -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("backup", "--status", stdout=out)
    except SystemExit as exit_:
        return out.getvalue(), exit_.code
    return out.getvalue(), 0


def test_backup_keeps_the_newest_copies_and_prunes_the_older_ones(backup_dir, commune):
    for _ in range(3):
        call_command("backup", "--keep", "2", stdout=io.StringIO())
    out = io.StringIO()
    call_command("backup", "--keep", "2", stdout=out)
    archives = sorted(backup_dir.glob("pat-portal-*.tar.gz"), key=lambda path: path.stat().st_mtime)
    assert len(archives) == 2
    assert archives[-1].name == last_backup().archive
    assert "1 sauvegarde(s) plus ancienne(s) supprimée(s) ; 2 conservée(s)." in out.getvalue()


def test_keep_comes_from_the_setting_and_zero_keeps_everything(backup_dir, settings, commune):
    settings.BACKUP_KEEP = 0
    for _ in range(3):
        call_command("backup", stdout=io.StringIO())
    assert len(list(backup_dir.glob("pat-portal-*.tar.gz"))) == 3
    settings.BACKUP_KEEP = 1
    call_command("backup", stdout=io.StringIO())
    assert len(list(backup_dir.glob("pat-portal-*.tar.gz"))) == 1


def test_status_says_in_french_when_the_last_good_backup_was_made(backup_dir, commune):
    text, code = _status()
    assert code == 1 and "Aucune sauvegarde réussie" in text
    assert backup_overdue()

    call_command("backup", stdout=io.StringIO())
    text, code = _status()
    assert code == 0 and text.startswith("Dernière sauvegarde réussie : le ") and "minute(s)" in text
    assert not backup_overdue()

    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=2, hours=1)):
        text, code = _status()
        assert code == 1 and "il y a 2 jour(s) et 1 heure(s)" in text and "plus de 2 jours" in text
        assert backup_overdue()


def test_a_failed_backup_leaves_the_last_good_one_recorded(backup_dir, commune, monkeypatch):
    call_command("backup", stdout=io.StringIO())
    recorded = (backup_dir / STATUS_NAME).read_text()

    def broken_dump(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr("core.backups.call_command", broken_dump)
    with pytest.raises(OSError):
        call_command("backup", stdout=io.StringIO())
    assert (backup_dir / STATUS_NAME).read_text() == recorded


BANNER = "Aucune sauvegarde des données n&#x27;a réussi"


def test_gbm_home_warns_when_no_backup_succeeded_for_two_days(backup_dir, client, gbm_officer):
    client.force_login(gbm_officer)
    assert f"{BANNER} depuis la mise en service" in client.get("/").content.decode()

    call_command("backup", stdout=io.StringIO())
    assert BANNER not in client.get("/").content.decode()

    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=2, minutes=1)):
        client.force_login(gbm_officer)
        content = client.get("/").content.decode()
    assert BANNER in content and "(plus de 2 jours)" in content


@pytest.mark.parametrize("role", ["consultant", "elu"])
def test_other_homes_never_show_the_backup_warning(backup_dir, client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert BANNER not in client.get("/").content.decode()
