"""Backups: backup → empty database → restore gives back every row and the frozen PDFs, byte for byte."""

import io
import shutil
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError

from communes.models import Contact
from core.backups import row_counts
from core.deliverables import submit_deliverable, validate_deliverable
from core.models import Deliverable
from tests.factories import ContactFactory
from tests.factories_ateliers import RegistrationFactory
from tests.factories_mission1 import AccompanimentFactory, ActionLeadFactory, DiagnosticFactory

# Flushing and restoring need real transactions (PostgreSQL refuses TRUNCATE with deferred triggers pending).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """Flushing recreates content types under new ids; the rollback at the end of the test removes them again."""
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def seeded(commune, consultant, gbm_officer):
    """Some of everything: a validated (frozen) diagnostic, contacts with history, a M2M, a registration."""
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)
    deliverable = validate_deliverable(
        deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer
    )
    contact = ContactFactory(commune=commune, last_name="Cuenot", consenting=True)
    ActionLeadFactory(diagnostic=diagnostic).resource_people.add(contact)
    RegistrationFactory(contact=contact, consenting=True)
    return deliverable


def _frozen_hashes() -> dict[int, str]:
    return {d.pk: d.sha256 for d in Deliverable.objects.exclude(sha256="") if d.integrity_ok()}


def _empty_the_database_and_media():
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    shutil.rmtree(settings.MEDIA_ROOT)


def _backup(tmp_path) -> Path:
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=io.StringIO())
    [archive] = (tmp_path / "backups").glob("pat-portal-*.tar.gz")
    return archive


def test_backup_then_restore_into_an_empty_database_gives_back_rows_and_frozen_pdfs(seeded, tmp_path):
    counts, hashes = row_counts(), _frozen_hashes()
    assert counts["pat_portal.deliverable"] == 1 and hashes
    assert counts["communes.historicalcontact"] >= 1 and counts["missions.actionlead_resource_people"] == 1
    archive = _backup(tmp_path)

    _empty_the_database_and_media()
    assert not Contact.objects.exists() and not Path(settings.MEDIA_ROOT).exists()

    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "1 PDF figé(s) vérifié(s)" in out.getvalue()
    assert row_counts() == counts
    assert _frozen_hashes() == hashes
    assert Contact.objects.get(last_name="Cuenot").action_leads.count() == 1


def test_restore_refuses_a_database_with_data_unless_forced(seeded, tmp_path):
    counts = row_counts()
    archive = _backup(tmp_path)
    ContactFactory(last_name="Ajouté après la sauvegarde")
    with pytest.raises(CommandError, match="pas vide"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert Contact.objects.filter(last_name="Ajouté après la sauvegarde").exists()

    call_command("restore", str(archive), "--force", stdout=io.StringIO())
    assert row_counts() == counts
    assert not Contact.objects.filter(last_name="Ajouté après la sauvegarde").exists()


def test_restore_refuses_an_archive_whose_frozen_pdf_was_altered(seeded, tmp_path):
    archive = _backup(tmp_path)
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            content = source.extractfile(member).read()
            if member.name.endswith(".pdf"):
                content = content.replace(b"%%EOF", b"%%EOF\n% altered")
                member.size = len(content)
            target.addfile(member, io.BytesIO(content))
    _empty_the_database_and_media()
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore", str(tampered), stdout=io.StringIO())
    assert not Deliverable.objects.exists()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="Archive illisible"):
        call_command("restore", str(junk), stdout=io.StringIO())
