"""The diagnostic's « Données collectées » from the commune's open-data portrait: picking figures (copied, with
their source and date), freezing them with each validated version, and what changed since the last one."""

from django.db import transaction

from communes.portrait.actors import KINDS_OF_CATEGORY, candidates_subquery, kinds_present
from communes.portrait.display import display_value
from communes.portrait.selectors import current_figures
from core.concurrency import save_versioned
from core.deliverables import lock_for_edit
from core.french import french_date
from missions.mission1.models.diagnostics import Diagnostic, DiagnosticFigure


def figure_text(figure) -> str:
    return display_value(figure.value_number, figure.value_text, figure.unit)


def source_line(figure) -> str:
    """« Source : Ma Cantine (statistiques), 2024, lu le 3 déc. 2026 — Licence Ouverte 2.0 (Etalab) — Ministère… »"""
    period = f", {figure.period}" if figure.period else ""
    demo = " (valeur de démonstration)" if figure.is_demo else ""
    return (
        f"Source : {figure.source_name}{period}, lu le {french_date(figure.fetched_at)}{demo} — "
        f"{figure.licence} — {figure.attribution}"
    )


@transaction.atomic
def pick_figures(*, diagnostic: Diagnostic, picks: dict[int, str], expected_version, by) -> list[DiagnosticFigure]:
    """Replace the diagnostic's picked figures by the commune's current figures `picks` ({figure pk: comment}),
    their values copied now. One edit of the diagnostic: refused (StaleEdit) if someone saved it since the form was
    read, refused (ContentLocked) while a version awaits validation; editing a validated one starts the next."""
    diagnostic = lock_for_edit(diagnostic)
    diagnostic.mark_edited()
    save_versioned(diagnostic, expected_version)
    figures = [figure for figure in current_figures(diagnostic.accompaniment.commune) if figure.pk in picks]
    DiagnosticFigure.objects.filter(diagnostic=diagnostic, deliverable__isnull=True).delete()
    return DiagnosticFigure.objects.bulk_create(
        DiagnosticFigure(
            diagnostic=diagnostic,
            source=figure.snapshot.source,
            source_name=figure.snapshot.source_info.name if figure.snapshot.source_info else figure.snapshot.source,
            fetched_at=figure.snapshot.fetched_at,
            is_demo=figure.snapshot.is_demo,
            comment=picks[figure.pk],
            position=position,
            **{name: getattr(figure, name) for name in DiagnosticFigure.COPIED},
        )
        for position, figure in enumerate(figures)
    )


def figures_for_document(diagnostic: Diagnostic, deliverable=None) -> list[DiagnosticFigure]:
    """What a PDF prints: a frozen version's own copies once it has them, else the diagnostic's picks. A version
    being re-issued (not saved yet) prints the copies of the version it replaces."""
    version = deliverable if deliverable is None or deliverable.pk else deliverable.reissue_of
    if version is not None:
        frozen = list(DiagnosticFigure.objects.filter(deliverable=version))
        if frozen:
            return frozen
    return list(DiagnosticFigure.objects.filter(diagnostic=diagnostic, deliverable__isnull=True))


def changes_since_validated(diagnostic: Diagnostic) -> dict | None:
    """The picked figures against the last validated version's: {version, rows [{label, before, now, what}]};
    None when no version was validated with figures. One query."""
    return _changes(*_picked_and_frozen(diagnostic))


def _picked_and_frozen(diagnostic: Diagnostic) -> tuple[list, list]:
    """The diagnostic's own picks and its last validated version's copies, in one query."""
    figures = list(
        DiagnosticFigure.objects.filter(diagnostic=diagnostic).select_related("deliverable").order_by("position", "pk")
    )
    picked = [figure for figure in figures if figure.deliverable_id is None]
    last = max((figure.deliverable.version for figure in figures if figure.deliverable_id), default=None)
    frozen = [figure for figure in figures if figure.deliverable_id and figure.deliverable.version == last]
    return picked, frozen


def _changes(picked: list, frozen: list) -> dict | None:
    if not frozen:
        return None
    before = {(f.source, f.key): f for f in frozen}
    now = {(f.source, f.key): f for f in picked}
    rows = []
    for key in [*before, *(k for k in now if k not in before)]:
        old, new = before.get(key), now.get(key)
        if old and new:
            what = "inchangé" if figure_text(old) == figure_text(new) else "modifié"
        else:
            what = "retiré" if old else "ajouté"
        rows.append(
            {
                "label": (new or old).label,
                "before": figure_text(old) if old else "—",
                "now": figure_text(new) if new else "—",
                "what": what,
            }
        )
    return {"version": frozen[0].deliverable.version, "rows": rows}


def with_sirene_candidates(diagnostics):
    """Diagnostics with their commune's current SIRENE candidates (`sirene_candidates`), in the same query."""
    return diagnostics.annotate(sirene_candidates=candidates_subquery("accompaniment__commune"))


def diagnostic_panel(diagnostic: Diagnostic | None) -> tuple[list[dict], dict | None]:
    """What the diagnostic's page shows of the portrait: its picked figures (rows) and what changed since the last
    validated version. One query."""
    if diagnostic is None:
        return [], None
    picked, frozen = _picked_and_frozen(diagnostic)
    return rows(picked), _changes(picked, frozen)


def coverage_with_actors(coverage: list[dict] | None, candidates: list[dict] | None) -> list[dict] | None:
    """The coverage gaps, with how many actors of each kind SIRENE lists in the commune (farms, shops,
    associations): a kind that exists there but was not met is a gap worth a meeting. No query: the candidates
    ride along with the diagnostic (`actors.candidates_subquery`)."""
    if coverage is None:
        return None
    present = kinds_present(candidates)
    return [
        {**category, "in_sirene": sum(present.get(kind, 0) for kind in KINDS_OF_CATEGORY.get(category["value"], ()))}
        for category in coverage
    ]


def rows(figures) -> list[dict]:
    """Picked figures as a page or a PDF shows them: the figure, its value in French, its source line."""
    return [{"figure": figure, "text": figure_text(figure), "source_line": source_line(figure)} for figure in figures]
