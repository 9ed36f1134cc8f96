"""Set-based writes by PostgreSQL COPY, for services that write thousands of rows in one go (a
match run's verdicts, audit rows, holds and exceptions): an INSERT of 5,000 rows with bound
parameters spends most of its time composing and quoting the statement, COPY streams the values.

Rows are tuples of values in the order of `fields` (attribute names: "invoice_id", not "invoice");
JSON fields take Python objects (dumped with Django's encoder: Decimals and dates as exact
strings), array fields lists. Database constraints and triggers apply as to any INSERT. Call inside
the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from psycopg import sql

_dumps = partial(json.dumps, cls=DjangoJSONEncoder)


def _columns(model: type[models.Model], fields: Sequence[str]) -> tuple[list[str], list[bool]]:
    columns, is_json = [], []
    for name in fields:
        field = next(f for f in model._meta.concrete_fields if f.attname == name)
        columns.append(field.column)
        is_json.append(isinstance(field, models.JSONField))
    return columns, is_json


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _element(value: Any) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


class JsonText(str):
    """A JSON column's value already serialised: many rows that share one value (the audit rows of
    one transition: the same before and after) serialise it once."""


def json_text(value: Any) -> JsonText:
    return JsonText(_dumps(value))


def _text(value: Any, is_json: bool) -> str:
    """One value in COPY's text format (what psycopg's write_row does, at a fraction of its cost,
    for the few types these rows hold)."""
    if value is None:
        return "\\N"
    if is_json:
        return (value if type(value) is JsonText else _dumps(value)).translate(_ESCAPES)
    kind = type(value)
    if kind is str:
        return str(value).translate(_ESCAPES)
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is Decimal:
        return str(value)
    if kind is dt.datetime or kind is dt.date:
        return str(value.isoformat())
    if kind is list or kind is tuple:
        return ("{" + ",".join(map(_element, value)) + "}").translate(_ESCAPES)
    return str(value).translate(_ESCAPES)


def _copy(table: sql.Composable, columns: list[str], is_json: list[bool], rows: Iterable[Sequence[Any]]) -> int:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(table, sql.SQL(", ").join(map(sql.Identifier, columns)))
    count = 0
    lines: list[str] = []
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:  # type: ignore[attr-defined]
        for row in rows:
            lines.append("\t".join([_text(v, j) for v, j in zip(row, is_json, strict=True)]))
            count += 1
            if len(lines) == 2000:
                copy.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            copy.write("\n".join(lines) + "\n")
    return count


def rows_copy(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert the rows into the model's table; returns how many."""
    columns, is_json = _columns(model, fields)
    return _copy(sql.Identifier(model._meta.db_table), columns, is_json, rows)


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys from the model's sequence, for rows inserted by rows_copy that
    other rows (or audit events) must name."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def rows_upsert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *, key: str) -> int:
    """Insert the rows, or update every other field of the row with the same `key` (a unique
    column): COPY into a temporary table, then one INSERT ... ON CONFLICT. Returns how many."""
    columns, is_json = _columns(model, fields)
    key_column = _columns(model, [key])[0][0]
    table = model._meta.db_table
    staging = sql.Identifier(f"upsert_{table}")
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS").format(
                staging, sql.Identifier(table)
            )
        )
        cursor.execute(sql.SQL("TRUNCATE {}").format(staging))
    count = _copy(staging, columns, is_json, rows)
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    updates = sql.SQL(", ").join(
        sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in columns if c != key_column
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT ({}) DO UPDATE SET {}").format(
                sql.Identifier(table), names, names, staging, sql.Identifier(key_column), updates
            )
        )
    return count
