"""Lists of things to do or late, read from several models in ONE query (a UNION ALL of one SELECT per kind).

Each kind declares how its rows fill the common columns (title, commune, a date, a state, a note, a person…); the
home pages read all their kinds at once: at most `limit` rows of each (the oldest first, which are the most urgent),
each row carrying how many rows its kind has in all (a window count, taken before the limit). So a list and the
count shown beside it come from the same rows of the same query.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import CharField, Count, F, Value, Window
from django.db.models.functions import Cast, Concat

from core.prepared import Prepared, compile_values

# The common columns, and the type of each (what a kind that has no such column selects instead: a typed NULL, as
# PostgreSQL types a UNION's columns member by member and two untyped NULLs make a text column, or an empty text).
COLUMNS = {
    "i_kind": "text",
    "i_pk": "IntegerField",
    "i_title": "text",
    "i_commune": "text",
    "i_insee": "text",
    "i_due": "DateField",
    "i_at": "DateTimeField",
    "i_state": "text",
    "i_note": "text",
    "i_person": "text",
    "i_number": "IntegerField",
    "i_parent": "text",
    "i_total": "IntegerField",
}


def _expression(value):
    return F(value) if isinstance(value, str) else value


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
        """The first `limit` rows in `order`, with the columns this kind has (the others are filled in the UNION,
        `prepare_items`) and `i_total`, the number of rows of the kind (counted over all of them: a window function is
        computed before the LIMIT)."""
        columns = {
            "i_pk": F("pk"),
            "i_title": self.title,
            "i_commune": f"{self.commune}__name" if self.commune else None,
            "i_insee": f"{self.commune}__insee_code" if self.commune else None,
            "i_due": self.due,
            "i_at": self.at,
            "i_state": self.state,
            "i_note": self.note,
            "i_person": Concat(
                F(f"{self.person}__first_name"), Value(" "), F(f"{self.person}__last_name"), output_field=CharField()
            )
            if self.person
            else None,
            "i_number": self.number,
            "i_parent": Cast(_expression(self.parent), output_field=CharField()) if self.parent is not None else None,
        }
        columns = {name: _expression(value) for name, value in columns.items() if value is not None}
        columns["i_total"] = Window(Count("pk"))
        return self.queryset.order_by(*self.order).annotate(**columns).values(*columns)[:limit]


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


def _missing(column: str, connection) -> str:
    """What a kind without `column` selects for it: an empty text, or a NULL of the column's type."""
    kind = COLUMNS[column]
    if kind == "text":
        return "''"
    return f"CAST(NULL AS {connection.data_types[kind]})"


def prepare_items(queries: list[ItemQuery], limit: int) -> Prepared:
    """The one query of every kind's first `limit` items and every kind's count, built and compiled but not run: a
    caller whose kinds depend on nothing but a few known values keeps it (`core.prepared.kept`) and runs it again
    (`run_items`).

    One UNION ALL of the kinds' querysets (each with its own columns, ORDER BY and LIMIT), each member wrapped as a
    derived table: SQLite refuses an ORDER BY or a LIMIT on a compound's member itself, which Django's `union()`
    would write. The outer SELECT of each member lists every column of COLUMNS by name, in order: the kind as a
    parameter, the member's own columns, a typed constant for the others (`_missing`), which Django has no
    expression to build nor compile. `extra` holds the kinds."""
    members = [(query.kind, query.rows(limit)) for query in queries]
    alias = members[0][1].db if members else "default"
    connection = connections[alias]
    quote = connection.ops.quote_name
    parts, params, converters = [], [], {}
    for position, (kind, queryset) in enumerate(members):
        sql, member_params, names, found = compile_values(queryset)
        for index, functions, expression in found:
            converters.setdefault(names[index], (functions, expression))  # every kind types a column alike
        selected = ", ".join(
            "%s" if column == "i_kind" else quote(column) if column in names else _missing(column, connection)
            for column in COLUMNS
        )
        parts.append(f"SELECT {selected} FROM ({sql}) {quote(f'kind_{position}')}")
        params += [kind, *member_params]
    columns = tuple(COLUMNS)
    return Prepared(
        alias,
        " UNION ALL ".join(parts),
        tuple(params),
        columns,
        tuple((columns.index(name), *pair) for name, pair in converters.items()),
        extra=tuple(query.kind for query in queries),
    )


def run_items(prepared: Prepared, **values) -> tuple[dict[str, list[Item]], dict[str, int]]:
    """Run a query of `prepare_items` (with its `Parameter` values): every kind's first items, by kind, and every
    kind's count."""
    by_kind: dict[str, list[Item]] = {kind: [] for kind in prepared.extra}
    counts: dict[str, int] = dict.fromkeys(prepared.extra, 0)
    for row in prepared.dicts(**values):
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
