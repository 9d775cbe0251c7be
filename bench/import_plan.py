"""`make bench`, import step: how long importing a 500-action plan takes (issue 20's target: under 5 s).

A 500-row workbook in the import template, every column filled (3 financings, 2 indicators over 3 years, leads known
and unknown, partners), is read, previewed and imported into a new plan, then previewed again (nothing to change),
then the same rows as CSV. Timed: reading the file (upload checks, openpyxl, the column map), the dry run (compared
with the plan), the import (one transaction, history rows included). Everything runs in a transaction rolled back at
the end: the database is left as it was.

Database: BENCH_DB (the scale-20 SQLite file `bench/run.py` builds) when it exists, otherwise a fresh SQLite file
(IMPORT_BENCH_DB, default /tmp/pat_portal_import_bench.sqlite3); either is migrated first. Rows: IMPORT_BENCH_ROWS (500).
Prints one table and writes bench/import_results.json.
"""

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

ROWS = int(os.environ.get("IMPORT_BENCH_ROWS", "500"))
TARGET_SECONDS = 5.0
BENCH_DB = Path(os.environ.get("BENCH_DB", "/tmp/pat_portal_bench.sqlite3"))
FALLBACK_DB = Path(os.environ.get("IMPORT_BENCH_DB", "/tmp/pat_portal_import_bench.sqlite3"))
DB = BENCH_DB if BENCH_DB.exists() else FALLBACK_DB
ENV = {
    **os.environ,
    "DATABASE_URL": f"sqlite:///{DB}",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SETTINGS_MODULE": "pat_portal.settings",
}


def prepare_database():
    print(f"Base de mesure de l'import : {DB}")
    # Brought up to date (nothing to do when it is): the measure reads the current schema.
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=ENV, check=True)
    os.environ.update(ENV)
    import django

    django.setup()


def workbook(rows: int, year: int) -> bytes:
    """The template filled with `rows` actions, every column used."""
    from openpyxl import Workbook

    from missions.mission1.imports.plans import plan_columns

    headers = list(plan_columns(funders=3, indicators=2, years=[year, year + 1, year + 2]))
    themes = ["Jardins et vergers", "Approvisionnement de la restauration collective", "Précarité alimentaire"]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Actions")
    sheet.append(headers)
    for index in range(rows):
        values = {
            "Intitulé": f"Action importée numéro {index}",
            "Thème": themes[index % 3],
            "Priorité": "Haute",
            "Statut": "En cours",
            "Avancement (%)": index % 101,
            "Accompagnement spécifique": "oui" if index % 7 == 0 else "non",
            "Description": "Une description de quelques lignes.\nAvec un retour à la ligne. " * 3,
            "Porteur": f"Porteur Numéro{index % 40}",
            "Structure porteuse": "Mairie",
            "Partenaires": "Chambre d'agriculture ; Association des jardins",
            "Objectifs opérationnels": "Des objectifs mesurables.",
            "Résultats attendus": "Des résultats attendus.",
            "Coût (€)": f"{1000 + index} 234,50 €",
            "Début": "mars 2026",
            "Fin": "03/2027",
        }
        for n in (1, 2, 3):
            values[f"Financeur {n}"] = f"Financeur {n}"
            values[f"Montant financeur {n} (€)"] = 100 * n
            values[f"Statut financeur {n}"] = "Sollicité"
        for n in (1, 2):
            values[f"Indicateur {n}"] = f"Indicateur {n}"
            values[f"Unité indicateur {n}"] = "%"
            for offset in range(3):
                values[f"Indicateur {n} cible {year + offset}"] = 10 * (offset + 1)
                values[f"Indicateur {n} réalisé {year + offset}"] = "5,5"
                values[f"Indicateur {n} commentaire {year + offset}"] = "RAS"
        sheet.append([values.get(header) for header in headers])
    handle = io.BytesIO()
    book.save(handle)
    return handle.getvalue()


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def measure(content: bytes, name: str, accompaniment, user) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.spreadsheets.reading import parse_table, read_upload
    from missions.mission1.imports.plans import PLAN_COLUMNS, SHEET_NAMES, apply_plan_import, preview_plan_import

    def read():
        upload = SimpleUploadedFile(name, content)
        return parse_table(read_upload(upload, PLAN_COLUMNS, sheet_names=SHEET_NAMES), PLAN_COLUMNS)

    parsed, read_s = timed(read)
    (preview, stored), preview_s = timed(lambda: preview_plan_import(accompaniment=accompaniment, parsed=parsed))
    assert stored is not None, preview.errors[:5]
    accepted = {proposal["key"] for proposal in preview.proposals if proposal["checked"]}
    result, apply_s = timed(
        lambda: apply_plan_import(accompaniment=accompaniment, stored=stored, accepted=accepted, by=user)
    )
    parsed_again = read()
    (again, _), again_s = timed(lambda: preview_plan_import(accompaniment=accompaniment, parsed=parsed_again))
    total = read_s + preview_s + apply_s
    return {
        "file": name,
        "bytes": len(content),
        "rows": ROWS,
        "read_s": read_s,
        "preview_s": preview_s,
        "import_s": apply_s,
        "total_s": total,
        "created": result.created,
        "contacts_created": result.contacts_created,
        "reimport_preview_s": again_s,
        "reimport_unchanged": again.unchanged,
        "reimport_created": again.created + again.updated,
        "ok": total < TARGET_SECONDS and again.created + again.updated == 0,
    }


def csv_of(content: bytes) -> bytes:
    """The same rows as French Excel writes them in CSV."""
    import csv

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    handle = io.StringIO()
    writer = csv.writer(handle, delimiter=";")
    for row in sheet.iter_rows(values_only=True):
        writer.writerow(["" if value is None else str(value).replace(".", ",") for value in row])
    return ("\ufeff" + handle.getvalue()).encode("utf-8")


def main():
    prepare_database()
    from django.db import transaction
    from django.utils import timezone

    from communes.models import Commune, Contact
    from core.models import User
    from missions.mission1.models.accompaniments import Accompaniment
    from missions.programme.models import Programme

    content = workbook(ROWS, timezone.localdate().year)
    results = []
    for name, data in (("plan.xlsx", content), ("plan.csv", csv_of(content))):
        with transaction.atomic():
            programme = Programme.objects.first() or Programme.objects.create(
                name="Mesure",
                contract_reference="MESURE-IMPORT",
                contractor="Mesure",
                start_date=timezone.localdate(),
                end_date=timezone.localdate().replace(year=timezone.localdate().year + 2),
                new_communes_deadline=timezone.localdate(),
            )
            commune = Commune.objects.create(insee_code="99999", name="Commune de mesure", population=900)
            accompaniment = Accompaniment.objects.create(
                programme=programme, commune=commune, cohort=Accompaniment.Cohort.CONTINUING
            )
            Contact.objects.bulk_create(
                [Contact(first_name="Porteur", last_name=f"Numéro{n}", commune=commune) for n in range(0, 40, 2)]
            )
            user = User.objects.create(username="mesure.import", role=User.Role.CONSULTANT)
            results.append(measure(data, name, accompaniment, user))
            transaction.set_rollback(True)
    header = f"{'import de plan':<28} {'lecture':>8} {'aperçu':>8} {'import':>8} {'total':>8} {'ré-import':>10} {'cible':>6}"
    print()
    print(header)
    print("-" * len(header))
    for row in results:
        label = f"{row['file']} ({row['rows']} actions)"
        print(
            f"{label:<28} {row['read_s']:>7.2f}s {row['preview_s']:>7.2f}s {row['import_s']:>7.2f}s "
            f"{row['total_s']:>7.2f}s {row['reimport_preview_s']:>9.2f}s {'ok' if row['ok'] else 'RATÉ':>6}"
        )
    print(
        f"Ré-import du même fichier : {results[0]['reimport_unchanged']} actions inchangées, "
        f"{results[0]['reimport_created']} créée(s) ou modifiée(s)."
    )
    (BASE_DIR / "bench" / "import_results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    missed = [row["file"] for row in results if not row["ok"]]
    print(
        f"Cible manquée ({ROWS} actions en moins de {TARGET_SECONDS:g} s, ré-import sans changement) : {', '.join(missed)}"
        if missed
        else f"Cible atteinte : {ROWS} actions importées en moins de {TARGET_SECONDS:g} s, ré-import sans changement."
    )


if __name__ == "__main__":
    main()
