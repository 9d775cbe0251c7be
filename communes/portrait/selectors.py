"""What the hub's « Portrait alimentaire » shows, in two queries whatever the data: the snapshots (the commune's,
GBM's, its size band's; current and latest attempt) and their figures."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from communes.portrait import bands, registry
from communes.portrait.display import display_value
from communes.portrait.models import Figure, Snapshot
from communes.portrait.services import gbm_code
from communes.portrait.sources.sirene import KIND_LABELS


@dataclass
class Row:
    figure: Figure
    snapshot: Snapshot
    source: registry.Source
    gbm: Figure | None = None
    band: Figure | None = None

    @property
    def text(self) -> str:
        return display_value(self.figure.value_number, self.figure.value_text, self.figure.unit)

    @property
    def gbm_text(self) -> str:
        return display_value(self.gbm.value_number, "", self.gbm.unit) if self.gbm else ""

    @property
    def band_text(self) -> str:
        return display_value(self.band.value_number, "", self.band.unit) if self.band else ""


@dataclass
class SourceState:
    source: registry.Source
    current: Snapshot | None = None
    latest: Snapshot | None = None

    @property
    def failed(self) -> bool:
        return self.latest is not None and self.latest.status == Snapshot.Status.FAILED


@dataclass
class Portrait:
    themes: list[tuple[str, list[Row]]]
    sources: list[SourceState]
    band_label: str
    candidates: list[dict] = field(default_factory=list)
    candidates_read_at: object = None

    @property
    def is_demo(self) -> bool:
        return any(state.current and state.current.is_demo for state in self.sources)

    @property
    def is_empty(self) -> bool:
        return not any(rows for _label, rows in self.themes)


def portrait_of(commune) -> Portrait:
    band = bands.band_of(commune.population)
    snapshots = list(
        Snapshot.objects.filter(
            Q(scope=registry.COMMUNE, commune=commune)
            | Q(scope=registry.EPCI, code=gbm_code())
            | Q(scope=registry.BAND, code=band)
        )
        .filter(Q(is_current=True) | Q(is_latest_attempt=True))
        .prefetch_related(Prefetch("figures", queryset=Figure.objects.order_by("pk")))
        .order_by("pk")
    )
    compare: dict = {registry.EPCI: {}, registry.BAND: {}}
    states = {source.key: SourceState(source) for source in registry.sources()}
    own = []
    for snapshot in snapshots:
        if snapshot.scope in compare and snapshot.is_current:
            for figure in snapshot.figures.all():
                if figure.value_number is not None:
                    compare[snapshot.scope][(snapshot.source, figure.key)] = figure
        elif snapshot.scope == registry.COMMUNE and snapshot.source in states:
            state = states[snapshot.source]
            if snapshot.is_current:
                state.current = snapshot
                own.append(snapshot)
            if snapshot.is_latest_attempt:
                state.latest = snapshot
    by_theme: dict = {key: [] for key, _label in registry.THEMES}
    candidates, candidates_read_at = [], None
    for snapshot in own:
        source = states[snapshot.source].source
        for figure in snapshot.figures.all():
            by_theme[figure.theme].append(
                Row(
                    figure,
                    snapshot,
                    source,
                    gbm=compare[registry.EPCI].get((snapshot.source, figure.key)),
                    band=compare[registry.BAND].get((snapshot.source, figure.key)),
                )
            )
        if snapshot.candidates:
            candidates = [
                {**candidate, "label": KIND_LABELS.get(candidate["kind"], "")} for candidate in snapshot.candidates
            ]
            candidates_read_at = snapshot.fetched_at
    return Portrait(
        themes=[(label, by_theme[key]) for key, label in registry.THEMES],
        sources=list(states.values()),
        band_label=bands.LABELS[band],
        candidates=candidates,
        candidates_read_at=candidates_read_at,
    )


def current_figures(commune) -> list[Figure]:
    """The commune's current figures (for picking into a diagnostic), with their snapshot, in the page's order
    (by theme, then as each source gives them); one query."""
    themes = [key for key, _label in registry.THEMES]
    figures = Figure.objects.filter(
        snapshot__scope=registry.COMMUNE, snapshot__commune=commune, snapshot__is_current=True
    ).select_related("snapshot")
    return sorted(figures, key=lambda figure: (themes.index(figure.theme), figure.snapshot.source, figure.pk))
