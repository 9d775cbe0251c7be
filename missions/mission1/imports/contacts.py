"""Leads, partners and resource people named in a spreadsheet, matched with the contact directory.

A name is looked up among the commune's contacts, the contacts of no commune and the contacts the plan or diagnostic
already names (anonymised contacts never). A name nobody in the directory has is proposed for creation: the person
who imports ticks the ones to create. A contact created so has its consent to share contact details left unset (not
given, no date, no way of collecting it): an import never guesses a consent.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from communes.models import Commune, Contact
from core.spreadsheets.columns import normalize

ROLE_LEAD = "porteur"
ROLE_PARTNER = "partenaire"
ROLE_RESOURCE_PERSON = "personne ressource"
MAX_PROPOSED_NAME = 100  # a contact's name field


@dataclass
class Proposal:
    """A contact the import offers to create. `checked`: ticked on the preview until the person unticks it."""

    key: str
    name: str
    organisation: str
    role: str
    lines: list[int] = field(default_factory=list)
    checked: bool = True

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "organisation": self.organisation,
            "role": self.role,
            "lines": self.lines,
            "checked": self.checked,
        }


def proposal_key(name: str, organisation: str = "") -> str:
    return f"{normalize(name)}|{normalize(organisation)}"


class Directory:
    """The contacts an import may name, indexed by normalized full name and organisation (one query)."""

    def __init__(self, contacts):
        self.contacts = sorted(contacts, key=lambda contact: contact.pk)
        self.by_name: dict[str, list[Contact]] = {}
        self.by_organisation: dict[str, list[Contact]] = {}
        for contact in self.contacts:
            self.by_name.setdefault(normalize(contact.full_name), []).append(contact)
            if contact.organisation:
                self.by_organisation.setdefault(normalize(contact.organisation), []).append(contact)
                labelled = f"{contact.full_name} ({contact.organisation})"
                self.by_name.setdefault(normalize(labelled), []).append(contact)

    @classmethod
    def for_commune(cls, commune: Commune, *, also: set[int] = frozenset()) -> "Directory":
        contacts = Contact.objects.filter(
            Q(commune=commune) | Q(commune__isnull=True) | Q(pk__in=list(also)), anonymised_at__isnull=True
        ).only("id", "first_name", "last_name", "organisation", "commune_id")
        return cls(contacts)

    def people_named(self, name: str, organisation: str = "", *, prefer: set[int] = frozenset()) -> list[Contact]:
        """The contacts called `name`; among homonyms, those of `organisation`, then those already named here."""
        found = self.by_name.get(normalize(name), [])
        if len(found) > 1 and organisation:
            same_organisation = [
                contact for contact in found if normalize(contact.organisation) == normalize(organisation)
            ]
            found = same_organisation or found
        if len(found) > 1 and prefer:
            preferred = [contact for contact in found if contact.pk in prefer]
            found = preferred or found
        return found

    def knows(self, name: str) -> bool:
        """Whether a person or an organisation of the directory goes by `name`."""
        key = normalize(name)
        return key in self.by_name or key in self.by_organisation

    def fingerprint(self) -> list:
        return [[contact.pk, contact.full_name, contact.organisation] for contact in self.contacts]


class Proposals:
    """The contacts proposed for creation, one per name (and organisation) whatever the rows naming it."""

    def __init__(self):
        self.items: dict[str, Proposal] = {}

    def propose(self, name: str, *, organisation: str = "", role: str, line: int, checked: bool = True) -> str | None:
        """Propose `name`; its key, or None when it is too long to be a contact's name."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_PROPOSED_NAME:
            return None
        key = proposal_key(name, organisation)
        proposal = self.items.get(key)
        if proposal is None:
            proposal = self.items[key] = Proposal(
                key=key, name=name, organisation=organisation[:200], role=role, checked=checked
            )
        elif role == ROLE_LEAD and proposal.role != ROLE_LEAD:
            # A lead is linked to its action: once someone leads, the proposal is ticked and named so.
            proposal.role, proposal.checked = ROLE_LEAD, True
        if line not in proposal.lines:
            proposal.lines.append(line)
        return key

    def as_list(self) -> list[dict]:
        return [proposal.as_dict() for proposal in self.items.values()]


def create_proposed_contact(proposal: dict, *, commune: Commune, reason: str) -> Contact:
    """Create a proposed contact: its name (first word as first name for a person), organisation and commune; its
    consent to share contact details unset. The note says where it comes from."""
    name = proposal["name"]
    if proposal["role"] == ROLE_PARTNER:
        first_name, last_name = "", name
        organisation = proposal["organisation"] or name
    else:
        first_name, _, last_name = name.partition(" ") if " " in name else ("", "", name)
        organisation = proposal["organisation"]
    contact = Contact(
        first_name=first_name[:100],
        last_name=last_name[:100],
        organisation=organisation[:200],
        commune=commune,
        category=Contact.Category.AUTRE,
        notes=(
            f"Créé le {timezone.localdate():%d/%m/%Y} lors d'un import ({proposal['role']}). Consentement au partage "
            "des coordonnées non recueilli."
        ),
    )
    contact._change_reason = reason
    contact.save()
    return contact
