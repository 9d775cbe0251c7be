"""Lists of things to do or late, read from several models in ONE query (a UNION ALL of one SELECT per kind).

Each kind declares how its rows fill the common columns (title, commune, a date, a state, a note, a person…); the
home pages read all their kinds at once: at most `limit` rows of each (the oldest first, which are the most urgent),
each row carrying how many rows its kind has in all (a window count, taken before the limit). So a list and the
count shown beside it come from the same rows of the same query.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import CharField, Count, DateField, DateTimeField, F, IntegerField, Value, Window
from django.db.models.functions import Cast, Concat

COLUMNS = [
    "i_kind",
    "i_pk",
    "i_title",
    "i_commune",
    "i_insee",
    "i_due",
    "i_at",
    "i_state",
    "i_note",
    "i_person",
    "i_number",
    "i_parent",
    "i_total",
]


def _or_null(path, output_field):
    if path is None:
        # A typed NULL: PostgreSQL types a UNION's columns pair by pair, and two untyped NULLs make a text column.
        return Cast(Value(None), output_field=output_field)
    return F(path) if isinstance(path, str) else path


def _text(path):
    if path is None:
        return Value("", output_field=CharField())
    return F(path) if isinstance(path, str) else path


@dataclass(frozen=True)
class ItemQuery:
    """One kind of item: its rows (`queryset`, already filtered to what the reader may see) and their columns."""

    kind: str
    queryset: object
    order: tuple = ("pk",)
    title: object = None
    commune: str | None = None  # path of the commune foreign key
    due: object = None  # a date (planned end, received on…)
    at: object = None  # a moment (submitted at, held at…)
    state: object = None
    note: object = None
    person: str | None = None  # path of a user foreign key, told by name
    number: object = None
    parent: object = None

    def rows(self, limit: int):
        """The first `limit` rows in `order`, with the common columns and `i_total`, the number of rows of the kind
        (counted over all of them: a window function is computed before the LIMIT)."""
        person = (
            Concat(
                F(f"{self.person}__first_name"), Value(" "), F(f"{self.person}__last_name"), output_field=CharField()
            )
            if self.person
            else Value("", output_field=CharField())
        )
        return (
            self.queryset.order_by(*self.order)
            .annotate(
                i_kind=Value(self.kind, output_field=CharField()),
                i_pk=F("pk"),
                i_title=_text(self.title),
                i_commune=_or_null(f"{self.commune}__name" if self.commune else None, CharField()),
                i_insee=_or_null(f"{self.commune}__insee_code" if self.commune else None, CharField()),
                i_due=_or_null(self.due, DateField()),
                i_at=_or_null(self.at, DateTimeField()),
                i_state=_text(self.state),
                i_note=_text(self.note),
                i_person=person,
                i_number=_or_null(self.number, IntegerField()),
                i_parent=Cast(_or_null(self.parent, IntegerField()), output_field=CharField())
                if self.parent is not None
                else Value("", output_field=CharField()),
                i_total=Window(Count("pk")),
            )
            .values(*COLUMNS)[:limit]
        )


@dataclass
class Item:
    """One row of a home page's list, whatever its model; `detail` and `lateness` are filled by its kind."""

    kind: str
    pk: int
    title: str
    commune: str = ""
    insee: str = ""
    due: datetime.date | None = None
    at: datetime.datetime | None = None
    state: str = ""
    note: str = ""
    person: str = ""
    number: int | None = None
    parent: str = ""
    url: str = ""
    detail: str = ""
    lateness: object = None
    extra: dict = field(default_factory=dict)


def _union_all(querysets) -> tuple[str, list, object, dict]:
    """One UNION ALL of `querysets` (each with COLUMNS, its own ORDER BY and LIMIT), each member wrapped as a derived
    table: SQLite refuses an ORDER BY or a LIMIT on a compound's member itself, which Django's `union()` would write.
    The columns are selected by name, whatever order each member's SELECT lists them in. Returns the SQL, its
    parameters, the connection and, by column, the converters Django applies to its values (dates on SQLite)."""
    alias = querysets[0].db
    connection = connections[alias]
    columns = ", ".join(connection.ops.quote_name(column) for column in COLUMNS)
    parts, params, converters = [], [], {}
    for position, queryset in enumerate(querysets):
        compiler = queryset.query.get_compiler(using=alias)
        sql, member_params = compiler.as_sql()
        parts.append(f"SELECT {columns} FROM ({sql}) {connection.ops.quote_name(f'kind_{position}')}")
        params.extend(member_params)
        if position == 0:  # every member types its columns alike (`_or_null`)
            names = [name for _, _, name in compiler.select]
            found = compiler.get_converters([expression for expression, _, _ in compiler.select])
            converters = {names[index]: pair for index, pair in found.items()}
    return " UNION ALL ".join(parts), params, connection, converters


def read_items(queries: list[ItemQuery], limit: int) -> tuple[dict[str, list[Item]], dict[str, int]]:
    """Every kind's first `limit` items, by kind, and every kind's count (one query for all of them, none when there
    is no kind)."""
    by_kind: dict[str, list[Item]] = {query.kind: [] for query in queries}
    counts: dict[str, int] = {query.kind: 0 for query in queries}
    if not queries:
        return by_kind, counts
    sql, params, connection, converters = _union_all([query.rows(limit) for query in queries])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for values in rows:
        row = dict(zip(COLUMNS, values, strict=True))
        for column, (functions, expression) in converters.items():
            for function in functions:
                row[column] = function(row[column], expression, connection)
        counts[row["i_kind"]] = row["i_total"]
        by_kind[row["i_kind"]].append(
            Item(
                kind=row["i_kind"],
                pk=row["i_pk"],
                title=row["i_title"] or "",
                commune=row["i_commune"] or "",
                insee=row["i_insee"] or "",
                due=row["i_due"],
                at=row["i_at"],
                state=row["i_state"] or "",
                note=row["i_note"] or "",
                person=(row["i_person"] or "").strip(),
                number=row["i_number"],
                parent=row["i_parent"] or "",
            )
        )
    return by_kind, counts
