"""WeasyPrint's layout of every PDF the portal hands out, at scale 20: pages, seconds and seconds per page.

`python bench/pdfs.py [document-substring…] [--profile] [--archival] [--save FILE] [--compare FILE]`

Builds (or reuses) the scale-20 bench database (bench/run.py's `prepare_database`, BENCH_DB), copies it to a
throwaway file (migrated; nothing the documents write touches the bench database), then for each document: renders its HTML
the way its view or task does (the service's `render_pdf` call, whose layout is intercepted), and lays it out
BENCH_PDF_ROUNDS times (3) with WeasyPrint in this process, as the task worker's child does. Prints per document:
pages, HTML size, median wall seconds, median CPU seconds (time.process_time(): far less sensitive to the other
processes of a shared machine), CPU seconds per page, and the target (0.15 s per page, issue 26); and who subsets
the fonts (HarfBuzz, or fontTools: 0.3 s more per document, docs/adr/0010).

--archival  lays out the PDF/A variant (what a validation freezes) instead of the working draft.
--profile   cProfile of one layout per document matched: the 25 costliest functions (cumulative), no table.
--save F    writes the figures to F (JSON); --compare F prints them as « avant » next to this run's.
"""

import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("BENCH_DB", "/tmp/pat_portal_bench.sqlite3")
from bench import run as bench_run  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_PDF_ROUNDS", "3"))
TARGET_S_PER_PAGE = 0.15
PROFILE_LINES = int(os.environ.get("BENCH_PDF_PROFILE_LINES", "40"))


def throwaway_database() -> Path:
    """A copy of the bench database, removed at exit: the documents' renderings may write (the cache table)."""
    bench_run.prepare_database()
    directory = Path(tempfile.mkdtemp(prefix="bench_pdfs_"))
    copy = directory / "bench.sqlite3"
    shutil.copyfile(bench_run.DB, copy)
    # The bench database may predate the tree's last migrations.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env={**bench_run.ENV, "DATABASE_URL": f"sqlite:///{copy}"},
        check=True,
    )
    import atexit

    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return copy


def documents():
    """(name, render) for every kind of PDF, on the largest row of each kind; `render()` calls the service."""
    from django.db.models import Count

    from ateliers import services as workshop_services
    from ateliers.models import Workshop
    from communes.models import Commune
    from core.pdf import render_pdf
    from missions.mission1.models.action_plans import ActionPlan
    from missions.mission1.models.diagnostics import Diagnostic
    from missions.mission1.services.action_plans import render_action_plan_pdf
    from missions.mission1.services.diagnostics import render_diagnostic_pdf
    from missions.money.models.orders import OrderForm
    from missions.programme.models import Programme
    from missions.support.models import SupportRequest
    from missions.support.services import render_support_sheet_pdf
    from pat_portal.pages.status import commune_status
    from pat_portal.pages.steering_report import TEMPLATE, steering_report_context

    t = bench_run.targets()
    plan = ActionPlan.objects.annotate(n=Count("actions")).order_by("-n", "pk")[0]
    workshop = Workshop.objects.get(pk=t["workshop"])
    diagnostic = Diagnostic.objects.annotate(n=Count("stakes") + Count("action_leads")).order_by("-n", "pk")[0]
    support_request = SupportRequest.objects.annotate(n=Count("steps")).order_by("-n", "pk")[0]
    order_form = OrderForm.objects.annotate(n=Count("lines")).order_by("-n", "pk")[0]
    commune = Commune.objects.get(insee_code=t["insee"])
    programme = Programme.objects.current()
    gbm = t["gbm"]
    return [
        (f"plan d'actions ({t['plan_actions']} actions)", lambda: render_action_plan_pdf(plan)),
        (
            f"compte rendu d'atelier ({t['workshop_participants']} participants)",
            lambda: workshop_services.render_report_pdf(workshop=workshop),
        ),
        ("feuille d'émargement", lambda: workshop_services.render_attendance_sheet_pdf(workshop=workshop)),
        ("bilan du programme", lambda: render_pdf(TEMPLATE, steering_report_context(programme, gbm))),
        ("synthèse du diagnostic", lambda: render_diagnostic_pdf(diagnostic)),
        ("fiche de suivi", lambda: render_support_sheet_pdf(support_request)),
        (
            "bon de commande",
            lambda: render_pdf(
                "missions/pdf/order_form.html", {"order_form": order_form, "lines": order_form.lines.all()}
            ),
        ),
        (
            "point d'étape",
            lambda: render_pdf("pages/pdf/commune_status.html", {"status": commune_status(commune, gbm)}),
        ),
    ]


def html_of(render) -> tuple[str, bool]:
    """The HTML (and variant) a document's `render_pdf` call would lay out, without laying it out."""
    from unittest import mock

    seen = []

    def capture(html, *, archival=False, key=None):
        seen.append((html, archival))
        return b"%PDF-"

    with mock.patch("core.pdf.lay_out", side_effect=capture):
        render()
    return seen[-1]


def font_subsetter() -> str:
    """Who subsets the fonts: HarfBuzz (libharfbuzz-subset0), or WeasyPrint's fallback, fontTools, which costs about
    0.3 s of CPU more per document (docs/adr/0010): a run without HarfBuzz is not comparable."""
    from weasyprint.text import ffi

    if ffi.harfbuzz_subset is not None and ffi.harfbuzz.hb_version_atleast(4, 1, 0):
        return "HarfBuzz"
    return "fontTools (libharfbuzz-subset0 absente : +0,3 s par document)"


def page_count(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def measure(html: str, archival: bool) -> dict:
    from core.pdf_layout import _write_pdf

    walls, cpus = [], []
    for _ in range(ROUNDS):
        wall, cpu = time.perf_counter(), time.process_time()
        content = _write_pdf(html, archival)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    pages = page_count(content)
    cpu = statistics.median(cpus)
    return {
        "pages": pages,
        "html_kb": round(len(html.encode()) / 1024, 1),
        "pdf_kb": round(len(content) / 1024, 1),
        "wall_s": round(statistics.median(walls), 3),
        "cpu_s": round(cpu, 3),
        "cpu_s_per_page": round(cpu / pages, 3),
    }


def profile(name: str, html: str, archival: bool) -> None:
    from core.pdf_layout import _write_pdf

    profiler = cProfile.Profile()
    profiler.enable()
    _write_pdf(html, archival)
    profiler.disable()
    print(f"\n=== {name} ===")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)


def main(argv: list[str]) -> None:
    flags = {arg for arg in argv if arg.startswith("--")}
    save = compare = None
    words = []
    iterator = iter(argv)
    for arg in iterator:
        if arg == "--save":
            save = Path(next(iterator))
        elif arg == "--compare":
            compare = Path(next(iterator))
        elif not arg.startswith("--"):
            words.append(arg)
    archival = "--archival" in flags
    database = throwaway_database()
    os.environ.update(bench_run.ENV)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    from django.test.utils import override_settings

    # No document is read from (or left in) the PDF cache: every layout below is a cold one.
    override_settings(
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "pdfs": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
        }
    ).enable()
    import weasyprint  # noqa: F401  loaded before timing, as in the worker

    before = json.loads(compare.read_text()) if compare else {}
    results = {}
    for name, render in documents():
        if words and not any(word in name for word in words):
            continue
        html, _draft_archival = html_of(render)
        if "--profile" in flags:
            profile(name, html, archival)
            continue
        results[name] = measure(html, archival)
    if "--profile" in flags:
        return
    load = os.getloadavg()
    print(
        f"\nMise en page WeasyPrint, échelle {bench_run.SCALE}, {'PDF/A' if archival else 'document de travail'}, "
        f"médiane de {ROUNDS} · {platform.node()} · charge {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(f"Sous-ensembles des polices : {font_subsetter()}")
    header = f"{'document':48} {'pages':>5} {'HTML ko':>8} {'mur s':>7} {'CPU s':>7} {'CPU s/page':>10}"
    if before:
        header += f" {'avant s/page':>12} {'avant CPU s':>11}"
    print(header + "  cible ≤ 0,15 s/page")
    for name, row in results.items():
        line = (
            f"{name:48} {row['pages']:>5} {row['html_kb']:>8} {row['wall_s']:>7.2f} {row['cpu_s']:>7.2f} "
            f"{row['cpu_s_per_page']:>10.3f}"
        )
        if before:
            old = before.get("documents", {}).get(name)
            line += f" {old['cpu_s_per_page']:>12.3f} {old['cpu_s']:>11.2f}" if old else f" {'—':>12} {'—':>11}"
        line += "  OK" if row["cpu_s_per_page"] <= TARGET_S_PER_PAGE else "  TROP LENT"
        print(line)
    if save:
        save.write_text(
            json.dumps(
                {
                    "archival": archival,
                    "fonts": font_subsetter(),
                    "load": load,
                    "rounds": ROUNDS,
                    "documents": results,
                },
                indent=2,
            )
        )
        print(f"Écrit : {save}")


if __name__ == "__main__":
    main(sys.argv[1:])
