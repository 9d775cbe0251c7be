"""The declarative column map of an import, and the parsers of its cells.

A column map is one table: each column has its template header, the other headers people really write (compared
without accents, case or punctuation), the parser of its cells and a line of help. Numbered columns (« Financeur 2 »,
« Indicateur 1 cible 2027 ») are declared once with a pattern. Parsers take what the spreadsheet holds (text,
number, date) and return a Python value or raise CellError with the end of a French message, which the reader
completes as « ligne 7, colonne « Coût » : « environ 3000 » n'est pas un montant ».
"""

import datetime
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

from core.exports import unquoted_text


class CellError(ValueError):
    """A cell that cannot be read; the message is French and says what is wrong with the value."""


def normalize(text) -> str:
    """How headers, titles and names are compared: lowercase, without accents, punctuation as single spaces."""
    text = str(text or "").replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def shown(value, limit: int = 60) -> str:
    """A cell's value as quoted in an error message."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float | Decimal):
        value = str(value).replace(".", ",")
    if isinstance(value, datetime.datetime):
        value = value.strftime("%d/%m/%Y %H:%M") if (value.hour or value.minute) else value.strftime("%d/%m/%Y")
    elif isinstance(value, datetime.date):
        value = value.strftime("%d/%m/%Y")
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Parsers ------------------------------------------------------------------------------------------------------


def text(max_length: int) -> Callable[[object], str]:
    """Free text of at most `max_length` characters; line breaks kept, surrounding spaces removed."""

    def parse(value) -> str:
        if is_blank(value):
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime.date):
            value = shown(value)
        # The quote an export puts before a text starting like a formula is taken off: export → import is lossless.
        result = unquoted_text(str(value).replace("\r\n", "\n").replace("\r", "\n").strip())
        if len(result) > max_length:
            raise CellError(f"le texte fait {len(result)} caractères : {max_length} au plus")
        return result

    return parse


def _number(value, *, what: str, places: int, allow_negative: bool, max_integer_digits: int) -> Decimal | None:
    """A number written the French way ("1 234,50 €", "1.234,50", "1234.5") or held as a number by the cell."""
    if is_blank(value):
        return None
    if isinstance(value, bool | datetime.date):
        raise CellError(f"« {shown(value)} » n'est pas {what}")
    if isinstance(value, int | float | Decimal):
        if not Decimal(str(value)).is_finite():
            raise CellError(f"« {shown(value)} » n'est pas {what}")
        # A number cell: the spreadsheet shows it with at most `places` decimals, and so is it read.
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    else:
        number = _parse_written_number(str(value).strip(), what=what, places=places)
    if number < 0 and not allow_negative:
        raise CellError(f"« {shown(value)} » est négatif : le montant doit être positif ou nul")
    if abs(number) >= Decimal(10) ** max_integer_digits:
        raise CellError(f"« {shown(value)} » est trop grand")
    return number


def _parse_written_number(raw: str, *, what: str, places: int) -> Decimal:
    """The decimal mark is the last of "," and "." when both appear, the only one when it appears once; the other
    separates thousands, in groups of three digits."""
    error = CellError(f"« {shown(raw)} » n'est pas {what}")
    cleaned = re.sub(r"(?i)(€|eur|euros?)$", "", re.sub(r"[\s\u00a0\u202f']", "", raw))
    if not re.fullmatch(r"[+-]?\d[\d.,]*", cleaned):
        raise error
    sign = "-" if cleaned[0] == "-" else ""
    digits = cleaned.lstrip("+-")
    if "," in digits and "." in digits:
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif digits.count(",") == 1 or digits.count(".") == 1:
        decimal_mark = "," if "," in digits else "."
    else:
        decimal_mark = None
    integer_part, fraction = digits, ""
    if decimal_mark is not None:
        integer_part, _, fraction = digits.rpartition(decimal_mark)
    groups = re.split(r"[.,]", integer_part)
    if not fraction.isdigit() and fraction:
        raise error
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])):
        raise error
    if not all(group.isdigit() for group in groups):
        raise error
    if len(fraction.rstrip("0")) > places:
        raise CellError(f"« {shown(raw)} » a plus de {places} décimales")
    try:
        return Decimal(f"{sign}{''.join(groups)}.{fraction or '0'}").quantize(Decimal(1).scaleb(-places))
    except InvalidOperation as invalid:
        raise error from invalid


def money(value) -> Decimal | None:
    """An amount in euros, positive or zero, to the cent: "1 234,50 €", "1234.5", a number cell."""
    return _number(value, what="un montant", places=2, allow_negative=False, max_integer_digits=10)


def money_or_zero(value) -> Decimal:
    """An amount where an empty cell means zero (an action's estimated cost)."""
    amount = money(value)
    return Decimal("0.00") if amount is None else amount


def quantity(value) -> Decimal | None:
    """An indicator's target or actual value: any number, to the hundredth."""
    return _number(value, what="un nombre", places=2, allow_negative=True, max_integer_digits=12)


MONTH_NAMES = {
    "janvier": 1,
    "janv": 1,
    "jan": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "mar": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "sep": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}
MONTH_LABELS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
MONTH_PATTERNS = (
    re.compile(r"(?P<name>[a-z]+) (?P<year>\d{2}|\d{4})"),  # mars 2026, mars-26
    re.compile(r"(?P<month>\d{1,2}) (?P<year>\d{4})"),  # 03/2026
    re.compile(r"(?P<year>\d{4}) (?P<month>\d{1,2})"),  # 2026-03
    re.compile(r"(?P<day>\d{1,2}) (?P<month>\d{1,2}) (?P<year>\d{2}|\d{4})"),  # 15/03/2026, 01/03/26 (Calc's CSV)
    re.compile(r"(?P<year>\d{4}) (?P<month>\d{1,2}) (?P<day>\d{1,2})(?: 0{1,2} 0{1,2}(?: 0{1,2})?)?"),  # ISO date
)


def month(value) -> datetime.date | None:
    """A month as Excel and Calc write it: "mars 2026", "mars-26", "03/2026", "2026-03", a full date ("01/03/2026",
    "01/03/26" as Calc saves a date in CSV, "2026-03-01") or a date cell; its month is kept. The one month parser of
    the imports."""
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        if not 2000 <= value.year <= 2100:
            raise CellError(f"« {shown(value)} » : l'année doit être comprise entre 2000 et 2100")
        return value.replace(day=1)
    error = CellError(f"« {shown(value)} » n'est pas un mois (écrivez par exemple « mars 2026 » ou « 03/2026 »)")
    normalized = normalize(value)
    for pattern in MONTH_PATTERNS:
        match = pattern.fullmatch(normalized)
        if match is None:
            continue
        parts = match.groupdict()
        if parts.get("name") is not None:
            if parts["name"] not in MONTH_NAMES:
                raise error
            month_number = MONTH_NAMES[parts["name"]]
        else:
            month_number = int(parts["month"])
        year = int(parts["year"])
        year = 2000 + year if year < 100 else year
        try:
            if parts.get("day") is not None:
                datetime.date(year, month_number, int(parts["day"]))
            result = datetime.date(year, month_number, 1)
        except ValueError as invalid:
            raise error from invalid
        if not 2000 <= year <= 2100:
            raise CellError(f"« {shown(value)} » : l'année doit être comprise entre 2000 et 2100")
        return result
    raise error


def month_label(value: datetime.date | None) -> str:
    return f"{MONTH_LABELS[value.month - 1]} {value.year}" if value else "—"


def percent(value) -> int:
    """A whole percentage from 0 to 100: "45", "45 %", a number cell (a percentage cell is read as shown)."""
    if is_blank(value):
        return 0
    error = CellError(f"« {shown(value)} » n'est pas un pourcentage entier entre 0 et 100")
    if isinstance(value, bool | datetime.date):
        raise error
    written = str(value) if isinstance(value, int | float | Decimal) else re.sub(r"[\s\u00a0\u202f%]", "", str(value))
    try:
        number = Decimal(written.replace(",", "."))
    except InvalidOperation as invalid:
        raise error from invalid
    if not number.is_finite():
        raise error
    whole = number.to_integral_value(rounding=ROUND_HALF_UP)
    if abs(number - whole) > Decimal("0.000001") or not 0 <= whole <= 100:
        raise error
    return int(whole)


YES = {"oui", "o", "x", "vrai", "yes", "y", "true", "1"}
NO = {"non", "n", "faux", "no", "false", "0"}


def boolean(value) -> bool:
    """Yes or no: "oui", "non", "x" (a ticked cell), "vrai", "faux", 1, 0; an empty cell is no."""
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    normalized = normalize(value)
    if normalized in YES:
        return True
    if normalized in NO:
        return False
    raise CellError(f"« {shown(value)} » : écrivez « oui » ou « non »")


boolean.choices = ["oui", "non"]


def choice(choices: type[models.Choices], *, default=None, synonyms: dict[str, object] | None = None):
    """One of a TextChoices' or IntegerChoices' values, written as its French label (or its code); an empty cell
    takes `default` (an error when there is none)."""
    accepted = {}
    for value, label in choices.choices:
        accepted[normalize(label)] = value
        accepted[normalize(value)] = value
    accepted.update({normalize(word): value for word, value in (synonyms or {}).items()})
    labels = ", ".join(f"« {label} »" for label in choices.labels)

    def parse(value):
        if is_blank(value):
            if default is None:
                raise CellError(f"valeur manquante (valeurs possibles : {labels})")
            return default
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        found = accepted.get(normalize(value))
        if found is None:
            raise CellError(f"« {shown(value)} » n'est pas une valeur possible ({labels})")
        return found

    parse.labels = labels
    parse.choices = [str(label) for label in choices.labels]
    return parse


def names(value) -> list[str]:
    """Names separated by semicolons, commas or line breaks ("Marie Martin ; Association des jardins")."""
    if is_blank(value):
        return []
    return [part.strip() for part in re.split(r"[;\n,]", str(value)) if part.strip()]


# The map ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the template: `key` in the parsed row, its header, other accepted headers, parser, help."""

    key: str
    header: str
    parse: Callable[[object], object]
    aliases: Sequence[str] = ()
    help: str = ""
    required: bool = False  # the file must have this column

    def accepts(self, normalized_header: str) -> bool:
        return normalized_header in {normalize(self.header), *(normalize(alias) for alias in self.aliases)}


@dataclass(frozen=True)
class NumberedColumn:
    """A column repeated with a number (and maybe a year) in its header: « Montant financeur 2 »,
    « Indicateur 1 cible 2027 ». `pattern` is matched against the normalized header, with groups `n` (and
    `year`); `header` is formatted with `n` and `year` for the template."""

    group: str
    key: str
    header: str
    pattern: str
    parse: Callable[[object], object]
    help: str = ""

    @property
    def label(self) -> str:
        """The header as the import page describes it: « Indicateur N cible AAAA »."""
        return self.header.replace("{n}", "N").replace("{year}", "AAAA")

    def match(self, normalized_header: str) -> dict | None:
        found = re.fullmatch(self.pattern, normalized_header)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class BoundColumn:
    """A header of the file, recognised: the column it stands for, and its number and year when repeated."""

    index: int
    header: str  # as written in the file, for messages
    column: Column | NumberedColumn
    number: int | None = None
    year: int | None = None

    @property
    def key(self) -> str:
        return self.column.key


class ColumnMap:
    """The columns an import reads, in template order."""

    def __init__(self, columns: Sequence[Column], numbered: Sequence[NumberedColumn] = ()):
        self.columns = list(columns)
        self.numbered = list(numbered)

    @property
    def required(self) -> list[Column]:
        return [column for column in self.columns if column.required]

    def bind(self, header: str, index: int) -> BoundColumn | None:
        normalized = normalize(header)
        if not normalized:
            return None
        for column in self.columns:
            if column.accepts(normalized):
                return BoundColumn(index=index, header=header, column=column)
        for column in self.numbered:
            groups = column.match(normalized)
            if groups is not None:
                number = int(groups["n"])
                year = int(groups["year"]) if groups.get("year") else None
                if number < 1 or (year is not None and not 2000 <= year <= 2100):
                    return None
                return BoundColumn(index=index, header=header, column=column, number=number, year=year)
        return None

    def find(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)
