"""Kept queries: a query the ORM builds and compiles once per process, run again on every call (ADR 0014).

Building and compiling a query of a dozen querysets costs the ORM several milliseconds; the database runs it in a
fraction of that. A page that reads the same query on every visit keeps its SQL and parameters here (`kept`), under
a key naming everything the query's text depends on, and runs it again each time (`Prepared.fetchall`): the rows
are always those of the moment; only the ORM's building and compiling is saved. A value that changes from one call
to the next (the moment of the read, the programme read) stays a `Parameter` in the query, given each time it runs.
"""

import threading
from collections import OrderedDict
from contextlib import ExitStack
from dataclasses import dataclass

from django.db import connections
from django.db.models import Expression

# At most this many kept queries per process, the least recently used dropped first (keys hold a day or a reader:
# they never stop growing). A kept query is 5 to 10 KB of SQL: some 10 MB at most.
KEPT_MAX = 1024


@dataclass(frozen=True)
class _Slot:
    """Where a `Parameter` sits in a compiled query's parameters."""

    name: str
    field: object


class Parameter(Expression):
    """A value given when a kept query runs, by name (`Prepared.fetchall(name=value)`): the compiled SQL holds a
    placeholder in its place, and `output_field` adapts the value for the database as a lookup on such a field
    would."""

    def __init__(self, name: str, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Slot(self.name, self.output_field)]

    def get_group_by_cols(self):
        return []


@dataclass(frozen=True)
class Prepared:
    """A compiled query: its database, SQL and parameters (some of them `Parameter` slots); for reading its rows
    as dicts (`dicts`), its columns' names and, by column position, the converters Django applies to their values
    (dates on SQLite); and what else its caller needs (`extra`)."""

    alias: str
    sql: str
    params: tuple
    columns: tuple = ()
    converters: tuple = ()  # ((position, functions, expression), …)
    extra: object = None
    instance_plan: tuple = ()  # for `instances`: (model, its fields, ((path, model, fields), …), annotations)

    def bind(self, **values) -> list:
        """The parameters, each slot replaced by its value (adapted as its field's lookups adapt it)."""
        connection = connections[self.alias]
        return [
            param.field.get_db_prep_value(values[param.name], connection) if isinstance(param, _Slot) else param
            for param in self.params
        ]

    def fetchall(self, **values) -> list[tuple]:
        """Run the query with the slots' `values`: its rows, as the database gives them."""
        if not self.sql:
            return []
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, self.bind(**values))
            return cursor.fetchall()

    def dicts(self, **values) -> list[dict]:
        """Run the query with the slots' `values`: its rows as {column: value}, converted as Django converts a
        `values()` queryset's."""
        connection = connections[self.alias]
        rows = []
        for row in self.fetchall(**values):
            row = list(row)
            for position, functions, expression in self.converters:
                for function in functions:
                    row[position] = function(row[position], expression, connection)
            rows.append(dict(zip(self.columns, row, strict=True)))
        return rows

    def instances(self, **values) -> list:
        """Run a query of `prepare_instances` with the slots' `values`: its rows as model instances, with their
        related instances and annotations."""
        model, names, related, annotations = self.instance_plan
        found = []
        for row in self.dicts(**values):
            instance = model.from_db(self.alias, names, [row[name] for name in names])
            for path, related_model, related_names in related:
                columns = [f"{path}__{name}" for name in related_names]
                if row[columns[0]] is None:  # no related row (a nullable foreign key)
                    setattr(instance, path, None)
                    continue
                setattr(instance, path, related_model.from_db(self.alias, related_names, [row[c] for c in columns]))
            for name in annotations:
                setattr(instance, name, row[name])
            found.append(instance)
        return found


def compile_values(queryset) -> tuple[str, tuple, tuple, tuple]:
    """A `values()` queryset compiled: its SQL, parameters, columns' names and converters (as `Prepared` holds
    them)."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    columns = tuple(name for _, _, name in compiler.select)
    found = compiler.get_converters([expression for expression, _, _ in compiler.select])
    converters = tuple((position, tuple(functions), expression) for position, (functions, expression) in found.items())
    return sql, tuple(params), columns, converters


def prepare(queryset, instance_plan=()) -> Prepared:
    """A `values()` queryset built and compiled, to be kept and run again (`Prepared.dicts`)."""
    sql, params, columns, converters = compile_values(queryset)
    return Prepared(queryset.db, sql, params, columns, converters, instance_plan=instance_plan)


def prepare_instances(queryset, *, related: tuple[str, ...] = ()) -> Prepared:
    """A queryset of model instances built and compiled, to be kept and run again (`Prepared.instances`): each
    row gives an instance with every concrete field, the instances of its `related` foreign keys (one level, as
    `select_related` gives them) and the queryset's annotations. Read through `values()` and `Model.from_db`, as
    the ORM's own iterator reads a row."""
    model = queryset.model
    names = tuple(field.attname for field in model._meta.concrete_fields)
    columns = list(names)
    plan = []
    for path in related:
        related_model = model._meta.get_field(path).related_model
        related_names = tuple(field.attname for field in related_model._meta.concrete_fields)
        columns += [f"{path}__{name}" for name in related_names]
        plan.append((path, related_model, related_names))
    annotations = tuple(queryset.query.annotation_select)
    return prepare(queryset.values(*columns, *annotations), (model, names, tuple(plan), annotations))


def reader_key(user) -> tuple:
    """What a kept query's key names of its reader when its querysets depend on who reads (`visible_to` and the
    role's filters read these fields, and the reader's id)."""
    return (user.pk, user.role, user.is_active, user.commune_id)


_kept: OrderedDict[tuple, object] = OrderedDict()
_kept_lock = threading.Lock()  # gunicorn's threads share the table


def _no_query(execute, sql, params, many, context):
    raise AssertionError(f"A kept query's building must not read the database (what it read would be kept): {sql}")


def kept(key: tuple, build):
    """What `build()` returns (a `Prepared`, or a tuple holding one and what reads it), built on the first call in
    the process and kept under `key`.

    `key` must name everything the query's text and fixed parameters depend on: the database, the reader when the
    querysets depend on who reads, the day when they hold dates. What changes on every call is a `Parameter`.
    `build()` may not run a query: a value it read would be kept with the statement (it fails at once)."""
    with _kept_lock:
        prepared = _kept.get(key)
        if prepared is not None:
            _kept.move_to_end(key)
            return prepared
    with ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(_no_query))
        prepared = build()
    with _kept_lock:
        _kept[key] = prepared
        while len(_kept) > KEPT_MAX:
            _kept.popitem(last=False)
    return prepared
