"""Blank rows cost nothing (issue 25): the time and peak memory of reading a spreadsheet made of blank rows.

Each file of tests/harness/blank_sheets.py (an XLSX whose 1,048,576 rows are blank, an ODS of 1,048,575 repeated
blank rows, an ODS of 200,000 blank row elements, a 10 MB CSV of blank lines) goes through the import form, as an
upload does, in a fresh process (the file is built beforehand and only read there): the time from the upload to
the form's answer, the process's peak resident memory (ru_maxrss, Python and Django loaded included: ~70 MB) and
the answer. Targets: a French message within 5 s, under 200 MB. Two more files aim at the parts read whole: an
XLSX of 800,000 shared strings (20 MB unpacked) and an ODS cell of 45 MB of text. The process may use at most
4 GB of address space and 60 s: past that the figure reads "> limit".

Run: .venv/bin/python bench/import_blank_rows.py (prints one table; exit 1 when a target is missed).
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
TARGET_SECONDS, TARGET_MB = 5.0, 200
TIMEOUT_S, ADDRESS_SPACE = 60, 4 * 1024**3
FILES = {
    "blank_rows_xlsx": "lignes-vides.xlsx",
    "blank_rows_ods": "lignes-vides.ods",
    "blank_row_elements_ods": "lignes-vides-ecrites.ods",
    "blank_lines_csv": "lignes-vides.csv",
    "many_strings_xlsx": "800-000-textes.xlsx",
    "long_text_ods": "texte-de-45-Mo.ods",
}
ENV = {
    **os.environ,
    "DATABASE_URL": "sqlite:////tmp/pat_portal_blank_rows_bench.sqlite3",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_SETTINGS_MODULE": "pat_portal.settings",
}

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {base!r})
resource.setrlimit(resource.RLIMIT_AS, ({space}, {space}))
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from core.spreadsheets.forms import SpreadsheetImportForm
from missions.mission1.imports.plans import PLAN_COLUMNS, SHEET_NAMES
content = open({path!r}, "rb").read()
form = SpreadsheetImportForm(
    {{}}, {{"file": SimpleUploadedFile({name!r}, content)}}, columns=PLAN_COLUMNS, sheet_names=SHEET_NAMES
)
started = time.perf_counter()
valid = form.is_valid()
seconds = time.perf_counter() - started
answer = "aperçu" if valid else " ".join(form.errors.get("file", ["?"]))
print(json.dumps({{"bytes": len(content), "seconds": seconds, "answer": answer,
                   "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(builder: str, name: str, folder: str) -> dict:
    from tests.harness import blank_sheets

    path = os.path.join(folder, name)
    with open(path, "wb") as handle:
        handle.write(getattr(blank_sheets, builder)())  # built here: the measured process only reads it
    code = CHILD.format(base=str(BASE_DIR), space=ADDRESS_SPACE, path=path, name=name)
    try:
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=BASE_DIR, env=ENV, capture_output=True, text=True, timeout=TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return {"file": name, "seconds": f"> {TIMEOUT_S}", "peak_mb": "?", "answer": "délai dépassé", "ok": False}
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["?"])[-1]
        return {"file": name, "seconds": "?", "peak_mb": f"> {ADDRESS_SPACE // 1024**2}", "answer": last, "ok": False}
    result = {"file": name, **json.loads(run.stdout.strip().splitlines()[-1])}
    result["ok"] = (
        result["seconds"] < TARGET_SECONDS and result["peak_mb"] < TARGET_MB and result["answer"] != "aperçu"
    )
    return result


def main():
    sys.path.insert(0, str(BASE_DIR))
    with tempfile.TemporaryDirectory() as folder:
        results = [measure(builder, name, folder) for builder, name in FILES.items()]
    print(f"{'fichier':<28} {'octets':>10} {'temps (s)':>10} {'pic (Mo)':>9}  réponse")
    for result in results:
        seconds = result["seconds"] if isinstance(result["seconds"], str) else f"{result['seconds']:.2f}"
        peak = result["peak_mb"] if isinstance(result["peak_mb"], str) else f"{result['peak_mb']:.0f}"
        print(f"{result['file']:<28} {result.get('bytes', '?'):>10} {seconds:>10} {peak:>9}  {result['answer'][:90]}")
    return 0 if all(result["ok"] for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
