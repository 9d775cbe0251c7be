"""Pasted lists of people matched against the contact directory (a workshop's registrations, its attendance).

A list comes from a spreadsheet, an e-mail or a sign-up sheet typed up: one person a line, as "Marie Dupont",
"DUPONT Marie", "dupont marie <marie.dupont@exemple.fr>" or columns separated by tabs or semicolons. A line naming an
e-mail known to the directory is that contact; otherwise its name, without accents, case or punctuation and in
either order, must name exactly one contact. Lines that match no one, or several people, get proposals: the
contacts whose names are close (difflib's ratio, as "Dupond" for "Dupont") or share the last name.
"""

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from communes.models import Contact
from core.spreadsheets.columns import normalize

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MAX_LINES = 200  # a workshop has a few dozen people; a longer paste is refused, not matched slowly
MAX_PROPOSALS = 5
CLOSE_ENOUGH = 0.8


def normalise(text: str) -> str:
    """'  DUPONT-Lefèvre,  Marie ' → 'dupont lefevre marie' (accents, case, punctuation and spacing ignored)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


@dataclass
class PastedLine:
    text: str
    contact: Contact | None = None
    proposals: list[Contact] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return self.contact is not None

    @property
    def name_guess(self) -> tuple[str, str]:
        """(first name, last name) to pre-fill the creation of a person nobody matched: 'Marie Dupont' or
        'DUPONT Marie' (a word in capitals is the last name)."""
        words = EMAIL.sub(" ", self.text).replace(";", " ").replace("\t", " ").split()
        words = [word.strip("<>(),") for word in words if word.strip("<>(),")]
        if not words:
            return "", ""
        capitals = [word for word in words if word.isupper() and len(word) > 1]
        if capitals and len(capitals) < len(words):
            return " ".join(w for w in words if w not in capitals), " ".join(capitals)
        return " ".join(words[:-1]), words[-1]

    @property
    def email(self) -> str:
        found = EMAIL.search(self.text)
        return found.group(0) if found else ""


def pasted_lines(text: str) -> list[str]:
    lines = [line.strip() for line in (text or "").splitlines()]
    return [line for line in lines if line]


def match_people(text: str, contacts) -> list[PastedLine]:
    """Each non-empty line of `text` with the contact it names among `contacts`, or proposals (one query)."""
    candidates = [contact for contact in contacts if not contact.anonymised_at]
    by_email: dict[str, list[Contact]] = {}
    by_name: dict[str, list[Contact]] = {}
    by_last_name: dict[str, list[Contact]] = {}
    for contact in candidates:
        if contact.email:
            by_email.setdefault(contact.email.casefold(), []).append(contact)
        first, last = normalise(contact.first_name), normalise(contact.last_name)
        for name in {f"{first} {last}".strip(), f"{last} {first}".strip()}:
            by_name.setdefault(name, []).append(contact)
        by_last_name.setdefault(last, []).append(contact)
    names = list(by_name)

    results = []
    for text_line in pasted_lines(text):
        line = PastedLine(text=text_line)
        email = line.email.casefold()
        name = normalise(EMAIL.sub(" ", text_line))
        exact = by_email.get(email, []) if email else []
        if not exact and name:
            exact = by_name.get(name, [])
        unique = list(dict.fromkeys(exact))
        if len(unique) == 1:
            line.contact = unique[0]
        else:
            proposals = list(unique)
            for close in difflib.get_close_matches(name, names, n=MAX_PROPOSALS, cutoff=CLOSE_ENOUGH):
                proposals += by_name[close]
            for word in name.split():
                proposals += by_last_name.get(word, [])
            line.proposals = list(dict.fromkeys(proposals))[:MAX_PROPOSALS]
        results.append(line)
    return results


def person_key(first_name: str, last_name: str, commune_id: int | None) -> str:
    """Same name (accents, case, punctuation and word order ignored) in the same commune: the directory's one rule
    for « the same person », used by the contact import and by « + Nouvelle personne »."""
    return " ".join(sorted(f"{normalize(first_name)} {normalize(last_name)}".split())) + f"|{commune_id or ''}"


def same_person(*, commune, first_name: str, last_name: str, email: str) -> Contact | None:
    """The directory's contact a new person would duplicate: the same e-mail (any case), or the same name (accents,
    case and order ignored) in the same commune. One query, over the commune's people (or, for a person of no
    commune, over that e-mail only)."""
    wanted_email = (email or "").strip().casefold()
    wanted_name = person_key(first_name, last_name, commune.pk if commune is not None else None)
    people = Contact.objects.filter(anonymised_at__isnull=True).only("id", "first_name", "last_name", "email")
    if commune is not None:
        people = people.filter(commune=commune)
    elif wanted_email:
        people = people.filter(email__iexact=wanted_email)
    else:
        return None
    for contact in people.order_by("pk"):
        if wanted_email and contact.email.casefold() == wanted_email:
            return contact
        if commune is not None and person_key(contact.first_name, contact.last_name, commune.pk) == wanted_name:
            return contact
    return None
