"""Actors to meet, from the SIRENE answer: organisations become directory contacts in one click; a sole trader
names a person, so the name is copied only when the consultant says so, and consent stays as the directory wants
(nobody's details are shared without it: `consent_to_share` stays off)."""

from django.db import transaction
from django.db.models import JSONField, OuterRef, Subquery
from django.utils import timezone

from communes.models import Contact
from communes.portrait import registry
from communes.portrait.models import Snapshot
from communes.portrait.sources.sirene import KIND_LABELS

CATEGORY_OF_KIND = {
    "ferme": Contact.Category.AGRICULTEUR,
    "bio": Contact.Category.AGRICULTEUR,
    "commerce": Contact.Category.COMMERCE,
    "transformation": Contact.Category.COMMERCE,
    "association": Contact.Category.ASSOCIATION,
}
# Which directory categories stand for which kinds of actors (the diagnostic's coverage gaps).
KINDS_OF_CATEGORY = {
    Contact.Category.AGRICULTEUR: ("ferme", "bio"),
    Contact.Category.COMMERCE: ("commerce", "transformation"),
    Contact.Category.ASSOCIATION: ("association",),
}


class CandidateRefused(Exception):
    """French reason why a candidate cannot be added (not found, already there, a person without consent)."""


def candidates_of(commune) -> list[dict]:
    snapshot = (
        Snapshot.objects.filter(scope=registry.COMMUNE, commune=commune, source="sirene", is_current=True)
        .only("candidates")
        .first()
    )
    return snapshot.candidates if snapshot else []


def candidates_subquery(commune_ref: str):
    """The current SIRENE candidates of the commune `commune_ref` names (an OuterRef path), as an annotation: a
    page that already fetches a row of the commune brings them along without a query of its own."""
    return Subquery(
        Snapshot.objects.filter(
            scope=registry.COMMUNE, commune=OuterRef(commune_ref), source="sirene", is_current=True
        ).values("candidates")[:1],
        output_field=JSONField(),
    )


def kinds_present(candidates: list[dict] | None) -> dict[str, int]:
    """How many candidates of each kind (farms, shops, associations…) a commune's SIRENE reading lists."""
    counts: dict[str, int] = {}
    for candidate in candidates or []:
        counts[candidate["kind"]] = counts.get(candidate["kind"], 0) + 1
    return counts


@transaction.atomic
def add_candidate_to_directory(*, commune, siret: str, copy_person_name: bool) -> Contact:
    candidate = next((c for c in candidates_of(commune) if c.get("siret") == siret), None)
    if candidate is None:
        raise CandidateRefused("Cet établissement ne figure plus dans la dernière lecture de SIRENE pour la commune.")
    if Contact.objects.filter(commune=commune, notes__contains=f"SIRET {siret}").exists():
        raise CandidateRefused(f"« {candidate['name']} » est déjà dans l'annuaire.")
    if candidate["sole_trader"] and not copy_person_name:
        raise CandidateRefused(
            f"« {candidate['name']} » est une entreprise individuelle : son nom est celui d'une personne. "
            "Cochez la case pour le copier dans l'annuaire (ses coordonnées ne seront partagées qu'avec son accord)."
        )
    name = candidate["name"][: Contact._meta.get_field("last_name").max_length]
    return Contact.objects.create(
        last_name=name,
        organisation=name[: Contact._meta.get_field("organisation").max_length],
        role_title=KIND_LABELS.get(candidate["kind"], ""),
        category=CATEGORY_OF_KIND.get(candidate["kind"], Contact.Category.AUTRE),
        commune=commune,
        notes=(
            f"Repéré dans SIRENE le {timezone.localdate():%d/%m/%Y} : SIRET {siret}, activité {candidate['activity']}, "
            f"{candidate['address']}."
        ),
    )
