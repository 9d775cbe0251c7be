"""Writes on communes and contacts that span many rows: loading a territory from a CSV file, GDPR erasure."""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from communes.gdpr import inactive_contacts, providers
from communes.models import INSEE_CODE_REGEX, Commune, Contact
from core.concurrency import save_versioned
from core.deliverables import frozen_versions_carrying, reissue_versions
from core.pdf_layout import purge_cache_on_commit

DEFAULT_COMMUNES_CSV = Path(__file__).resolve().parent / "data" / "gbm_communes.csv"
REQUIRED_COLUMNS = ("code_insee", "nom", "population", "codes_postaux", "siren")


class CommuneImportError(Exception):
    """A file that cannot be imported; the message is French and names the line."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _parse_row(line_number: int, row: dict) -> dict:
    def fail(reason: str):
        raise CommuneImportError(f"Ligne {line_number} : {reason}")

    code = (row.get("code_insee") or "").strip().upper()
    name = (row.get("nom") or "").strip()
    population_text = (row.get("population") or "").strip()
    postcodes = " ".join((row.get("codes_postaux") or "").split())
    siren = (row.get("siren") or "").strip()
    if not code:
        fail("code INSEE manquant.")
    if not re.fullmatch(INSEE_CODE_REGEX, code):
        fail(f"code INSEE « {code} » invalide (5 caractères : chiffres, ou 2A/2B pour la Corse).")
    if not name:
        fail(f"nom manquant pour la commune {code}.")
    if len(name) > Commune._meta.get_field("name").max_length:
        fail(f"nom trop long pour la commune {code}.")
    try:
        population = int(population_text)
    except ValueError:
        fail(f"population « {population_text} » invalide pour la commune {code} (nombre entier attendu).")
    if population < 0:
        fail(f"population négative ({population}) pour la commune {code}.")
    if siren and not re.fullmatch(r"\d{9}", siren):
        fail(f"SIREN « {siren} » invalide pour la commune {code} (9 chiffres).")
    if len(postcodes) > Commune._meta.get_field("postcodes").max_length:
        fail(f"trop de codes postaux pour la commune {code}.")
    for postcode in postcodes.split():
        if not re.fullmatch(r"\d{5}", postcode):
            fail(f"code postal « {postcode} » invalide pour la commune {code}.")
    return {"insee_code": code, "name": name, "population": population, "postcodes": postcodes, "siren": siren}


def read_communes_csv(path: Path) -> list[dict]:
    """Read and check every row; raise CommuneImportError on the first bad one."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            reader = csv.DictReader(handle, delimiter=delimiter)
            missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
            if missing:
                raise CommuneImportError(f"Ligne 1 : colonnes manquantes : {', '.join(missing)}.")
            rows, seen = [], {}
            for line_number, row in enumerate(reader, start=2):
                parsed = _parse_row(line_number, row)
                if parsed["insee_code"] in seen:
                    raise CommuneImportError(
                        f"Ligne {line_number} : code INSEE {parsed['insee_code']} en double "
                        f"(déjà présent ligne {seen[parsed['insee_code']]})."
                    )
                seen[parsed["insee_code"]] = line_number
                rows.append(parsed)
    except FileNotFoundError as error:
        raise CommuneImportError(f"Fichier introuvable : {path}") from error
    except UnicodeDecodeError as error:
        raise CommuneImportError("Le fichier doit être encodé en UTF-8.") from error
    if not rows:
        raise CommuneImportError("Le fichier ne contient aucune commune.")
    return rows


def import_communes(*, path: Path = DEFAULT_COMMUNES_CSV) -> ImportResult:
    """Create or update communes from a CSV file (code_insee, nom, population, codes_postaux, siren).

    All or nothing: every row is checked before anything is written.
    """
    rows = read_communes_csv(path)
    fields = ["name", "population", "postcodes", "siren"]
    with transaction.atomic():
        existing = Commune.objects.select_for_update().in_bulk(
            [row["insee_code"] for row in rows], field_name="insee_code"
        )
        to_create, to_update = [], []
        for row in rows:
            commune = existing.get(row["insee_code"])
            if commune is None:
                to_create.append(Commune(**row))
            elif any(getattr(commune, field) != row[field] for field in fields):
                for field in fields:
                    setattr(commune, field, row[field])
                to_update.append(commune)
        Commune.objects.bulk_create(to_create)
        Commune.objects.bulk_update(to_update, fields)
    return ImportResult(
        created=len(to_create), updated=len(to_update), unchanged=len(rows) - len(to_create) - len(to_update)
    )


ANONYMISATION_REASON = "Anonymisation (RGPD)"


def anonymised_name(pk: int) -> str:
    return f"Contact anonymisé n° {pk}"


@transaction.atomic
def anonymise_contact(*, contact: Contact, by=None) -> Contact:
    """Erase a person (right to erasure) while keeping the rows that count them.

    The contact keeps its primary key, category, organisation and commune, so meetings, registrations and actions
    still count them; their name becomes "Contact anonymisé n° <pk>"; e-mail, phone, function, notes and every
    consent is removed. Each domain's GDPR provider then erases what it holds (workshop registrations' consents,
    the requester's name and coordinates on support requests sent from the same e-mail), reading the contact as
    it was. Past history rows are scrubbed too, so that the name does not survive in the history; the
    anonymisation itself leaves a history row (by whom, when). The frozen deliverables that show the person are
    withdrawn from download and re-issued without them. `by` is None for the scheduled command.
    Anonymising twice is harmless.
    """
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    as_it_was = Contact(pk=contact.pk, email=contact.email)
    frozen = [] if contact.anonymised_at else frozen_versions_carrying(as_it_was)
    label = anonymised_name(contact.pk)
    personal = {
        "first_name": "",
        "last_name": label,
        "role_title": "",
        "email": "",
        "phone": "",
        "notes": "",
        "consent_to_share": False,
        "consent_date": None,
        "consent_method": "",
    }
    for field, value in personal.items():
        setattr(contact, field, value)
    contact.anonymised_at = contact.anonymised_at or timezone.now()
    contact._history_user = by
    contact._change_reason = ANONYMISATION_REASON
    # One version up: a contact form opened before the erasure cannot write the name back.
    save_versioned(contact, contact.lock_version)
    Contact.history.filter(id=contact.pk).update(**personal)

    for provider in providers():
        if provider.erase is not None:
            provider.erase(as_it_was, by=by, label=label, reason=ANONYMISATION_REASON)
    reissue_versions(frozen, by=by, reason=ANONYMISATION_REASON)
    purge_cache_on_commit()  # a cached PDF may hold the person's name and e-mail
    return contact


def anonymise_inactive_contacts(*, months: int, dry_run: bool = False) -> list[Contact]:
    """Anonymise every contact involved in nothing for `months` months (retention period); return them.

    Each contact is anonymised in its own transaction, so an interruption leaves no half-erased person.
    """
    contacts = list(inactive_contacts(months=months))
    if not dry_run:
        for contact in contacts:
            anonymise_contact(contact=contact)
    return contacts
