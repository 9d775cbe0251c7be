"""French as the portal writes it: dates, "de"/"d'" before names, and names sorted the French way.

One home for each rule, used by the templates (filters in templatetags/portal.py), forms, PDFs and exports:

- dates: "27 novembre 2026", "27 nov. 2026", "sept. 2026", "1er mars 2027", with the abbreviations of French
  typography (janv., févr., mars, avr., mai, juin, juil., août, sept., oct., nov., déc.); aware datetimes are shown
  in the portal's time zone;
- amounts: "1 234,50 €";
- elision: "d'Amagney", "d'Écouvotte", "de Hauterive", "des Auxons", "du Conseil départemental";
- sorting: "Chalèze" before "Chalezeule", "Châtillon-le-Duc" before "Chevroz" — accents count only to break ties,
  with PostgreSQL's ICU collation and the same collation name registered on SQLite connections.
"""

import datetime
import functools
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, OrderBy
from django.db.models.functions import Collate
from django.utils import timezone

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
# French typography's abbreviations: cut after a consonant, before a vowel, with a point; short names in full.
MONTH_ABBREVIATIONS = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
WEEKDAY_ABBREVIATIONS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


# Dates ---------------------------------------------------------------------------------------------------------------
def _local(value):
    """The value as the user reads it: an aware datetime in the portal's time zone; a date as it is."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _is_date(value) -> bool:
    return isinstance(value, datetime.date)


def day_number(day: int) -> str:
    """'1er' for the first of the month (French usage), the number otherwise."""
    return "1er" if day == 1 else str(day)


def french_date(value) -> str:
    """27 novembre 2026; 1er mars 2027."""
    if not _is_date(value):
        return ""
    value = _local(value)
    return f"{day_number(value.day)} {MONTHS[value.month - 1]} {value.year}"


def long_date(value) -> str:
    """vendredi 27 novembre 2026."""
    if not _is_date(value):
        return ""
    value = _local(value)
    return f"{WEEKDAYS[value.weekday()]} {french_date(value)}"


def short_date(value) -> str:
    """27 nov. 2026; 1er mars 2027."""
    if not _is_date(value):
        return ""
    value = _local(value)
    return f"{day_number(value.day)} {MONTH_ABBREVIATIONS[value.month - 1]} {value.year}"


def day_month(value) -> str:
    """27 novembre (the year understood)."""
    if not _is_date(value):
        return ""
    value = _local(value)
    return f"{day_number(value.day)} {MONTHS[value.month - 1]}"


def weekday_day_month(value) -> str:
    """lundi 1er décembre (the year understood: a day of the week shown)."""
    if not _is_date(value):
        return ""
    value = _local(value)
    return f"{WEEKDAYS[value.weekday()]} {day_month(value)}"


def short_weekday_date(value) -> str:
    """ven. 27 nov. (the year understood: week headers, upcoming events)."""
    if not _is_date(value):
        return ""
    value = _local(value)
    return f"{WEEKDAY_ABBREVIATIONS[value.weekday()]} {day_number(value.day)} {MONTH_ABBREVIATIONS[value.month - 1]}"


def month_year(value) -> str:
    """sept. 2026 (tables, charts)."""
    if not _is_date(value):
        return ""
    value = _local(value)
    return f"{MONTH_ABBREVIATIONS[value.month - 1]} {value.year}"


def short_month_year(value) -> str:
    """sept. 26 (calendar grids, where a column is a month)."""
    if not _is_date(value):
        return ""
    value = _local(value)
    return f"{MONTH_ABBREVIATIONS[value.month - 1]} {value.year % 100:02d}"


def long_month_year(value) -> str:
    """septembre 2026."""
    if not _is_date(value):
        return ""
    value = _local(value)
    return f"{MONTHS[value.month - 1]} {value.year}"


def time_of_day(value) -> str:
    """14:30 (24-hour clock), in the portal's time zone."""
    if not isinstance(value, datetime.datetime | datetime.time):
        return ""
    value = _local(value)
    return f"{value.hour:02d}:{value.minute:02d}"


def date_time(value) -> str:
    """27 novembre 2026 à 14:30."""
    if not isinstance(value, datetime.datetime):
        return french_date(value)
    return f"{french_date(value)} à {time_of_day(value)}"


def short_date_time(value) -> str:
    """27 nov. 2026 à 14:30."""
    if not isinstance(value, datetime.datetime):
        return short_date(value)
    return f"{short_date(value)} à {time_of_day(value)}"


# Amounts -------------------------------------------------------------------------------------------------------------
NARROW_NO_BREAK_SPACE = "\u202f"
NO_BREAK_SPACE = "\u00a0"


def euros(value) -> str:
    """1234.5 → '1 234,50 €' (narrow no-break space between thousands, no-break space before €); '—' when missing."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{NARROW_NO_BREAK_SPACE.join(groups)},{cents}{NO_BREAK_SPACE}€"


# Elision -------------------------------------------------------------------------------------------------------------
VOWELS = frozenset("aeiouàâäéèêëîïôöùûüœæ")
# A name's initial h is taken as aspirated ("de Hauterive"): the words and place names below have a
# mute h and take the elision ("d'Héricourt", "de l'Hôpital"). A new name with a mute h is added here.
MUTE_H_WORDS = (
    "habitat",
    "habitant",
    "hébergement",
    "herbe",
    "héricourt",
    "hérimoncourt",
    "histoire",
    "homme",
    "hôpital",
    "horticult",
    "hôtel",
    "huile",
    "humain",
    "hyèvre",
)


def elides(name: str) -> bool:
    """Whether "de", "le" or "que" lose their vowel before this name: a vowel, a mute h or y before a consonant."""
    word = str(name).strip().casefold()
    if not word:
        return False
    first = word[0]
    if first in VOWELS:
        return True
    if first == "y":  # d'Yves, d'Ypres; but de Yaoundé, le yaourt
        return len(word) > 1 and word[1] not in VOWELS and word[1] != "y"
    if first == "h":
        return word.startswith(MUTE_H_WORDS)
    return False


def de(name) -> str:
    """'de' before a name: "d'Amagney", "d'Écouvotte", "de Hauterive", "des Auxons", "du Russey", "de La Vèze".

    A name that begins with the article "Le" or "Les" contracts with "de" (the article loses its capital);
    "La" and "L'" stay as they are.
    """
    text = str(name).strip()
    if not text:
        return ""
    if text.startswith("Les "):
        return f"des {text[4:]}"
    if text.startswith("Le "):
        return f"du {text[3:]}"
    return f"d'{text}" if elides(text) else f"de {text}"


def au(name) -> str:
    """'à' before a place name: "à Amagney", "aux Auxons", "au Russey", "à La Vèze"."""
    text = str(name).strip()
    if not text:
        return ""
    if text.startswith("Les "):
        return f"aux {text[4:]}"
    if text.startswith("Le "):
        return f"au {text[3:]}"
    return f"à {text}"


def le(name) -> str:
    """The masculine article before a noun or name: "l'Office de tourisme", "le Conseil départemental"."""
    text = str(name).strip()
    if not text:
        return ""
    return f"l'{text}" if elides(text) else f"le {text}"


def du(name) -> str:
    """'de' + the masculine article: "de l'Office de tourisme", "du Conseil départemental"."""
    text = str(name).strip()
    if not text:
        return ""
    return f"de l'{text}" if elides(text) else f"du {text}"


# Sorting -------------------------------------------------------------------------------------------------------------
# PostgreSQL's ICU collation for French (check: SELECT collname FROM pg_collation WHERE collname LIKE 'fr%'); SQLite
# connections get a collation of the same name (register_sqlite_collation), so one expression serves both.
FRENCH_COLLATION = "fr-x-icu"


@functools.lru_cache(maxsize=8192)
def french_sort_key(text: str) -> tuple[str, str, str]:
    """Letters first, accents then case only to break ties: Chalèze < Chalezeule < Châtillon-le-Duc < Chevroz."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    letters = letters.casefold().replace("œ", "oe").replace("æ", "ae")
    return letters, decomposed.casefold(), text.swapcase()


def compare_french(left: str, right: str) -> int:
    left_key, right_key = french_sort_key(left), french_sort_key(right)
    return (left_key > right_key) - (left_key < right_key)


def register_sqlite_collation(sender, connection, **kwargs) -> None:
    """Give every new SQLite connection the French collation (connected to `connection_created`)."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(FRENCH_COLLATION, compare_french)


def french_order(field: str, *, descending: bool = False) -> OrderBy:
    """An ordering on a text field by French rules, for order_by(): `order_by(french_order("name"), "pk")`."""
    expression = Collate(F(field), FRENCH_COLLATION)
    return expression.desc() if descending else expression.asc()


def french_sorted(items, key=str) -> list:
    """A Python list sorted like french_order sorts in the database."""
    return sorted(items, key=lambda item: french_sort_key(key(item)))
