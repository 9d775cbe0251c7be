"""The sources of the portrait, registered by key: adding a source is adding one module to `sources/`.

An adapter module defines `SOURCE` (a `Source`) and `read(client, scope, code) -> Reading`; it registers itself with
`register()` when `communes.portrait.sources` is imported (CommunesConfig.ready).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

# Themes of the « Portrait alimentaire », in the order the page shows them.
POPULATION = "population"
AGRICULTURE = "agriculture"
CATERING = "restauration"
SHOPS = "commerces"
NETWORK = "reseau"
THEMES = [
    (POPULATION, "Population et territoire"),
    (AGRICULTURE, "Agriculture"),
    (CATERING, "Restauration collective"),
    (SHOPS, "Commerces et transformation"),
    (NETWORK, "Réseau alimentaire"),
]
THEME_LABELS = dict(THEMES)

# Scopes a snapshot covers: a commune, GBM (the EPCI), its PAT, or the communes of one size band in GBM.
COMMUNE = "commune"
EPCI = "epci"
PAT = "pat"
BAND = "band"


@dataclass(frozen=True)
class Source:
    key: str
    name: str
    licence: str
    attribution: str
    page_url: str
    min_interval: float = 0.0  # seconds between two calls (its rate limit)
    scopes: tuple[str, ...] = (COMMUNE,)
    agreement_setting: str = ""  # a setting that must be True before the layers needing an agreement are read

    def agreement_given(self) -> bool:
        return bool(self.agreement_setting and getattr(settings, self.agreement_setting, False))


@dataclass(frozen=True)
class FigureValue:
    """One figure as an adapter reads it; `value` None means the source did not provide it (never 0)."""

    key: str
    label: str
    counts: str  # what it counts, in words
    theme: str
    value: Decimal | int | str | None
    unit: str = ""
    period: str = ""  # year or date the source gives for it
    page_url: str = ""


@dataclass
class Reading:
    """What one call to a source gave: its figures, the answers as read (URL, body), and its candidates."""

    figures: list[FigureValue]
    url: str
    raw: object
    sha256: str
    candidates: list[dict] = field(default_factory=list)


_adapters: dict[str, tuple[Source, Callable]] = {}


def register(source: Source, read: Callable) -> None:
    _adapters[source.key] = (source, read)


def sources() -> list[Source]:
    return [source for source, _read in _adapters.values()]


def source(key: str) -> Source:
    return _adapters[key][0]


def reader(key: str) -> Callable:
    return _adapters[key][1]
