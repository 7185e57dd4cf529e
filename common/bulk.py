"""Bulk writes of a burst's filing, without the ORM's per-value compilation (PostgreSQL).

``QuerySet.bulk_create`` and ``bulk_update`` compile every value of every row through the field's whole
preparation chain and, for an update, one ``CASE WHEN`` expression per row and field: for a filing batch of 200
messages, more Python than the rest of the batch. ``bulk_insert`` and ``bulk_set`` write the same rows with one
statement each, preparing only the values that need it (a JSON document, a naive date, a value of an unusual
type or field); on another database, or for a model they do not handle, they are ``bulk_create`` and
``bulk_update`` themselves.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from functools import lru_cache

from django.db import connections, models
from django.db.models.fields import DateField, DateTimeField, Field

# Fields whose value, when a plain Python value of PLAIN_TYPES (or an aware datetime), reaches psycopg2 unchanged
# through get_db_prep_save on PostgreSQL: the driver adapts it as is.
PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.BooleanField,
    models.FloatField,
    models.DateTimeField,
    models.ForeignKey,
)
PLAIN_TYPES = (str, int, bool, float, type(None))
PLAIN_PRE_SAVE = (Field.pre_save, DateField.pre_save, DateTimeField.pre_save)


@lru_cache(maxsize=64)
def _plan(model: type[models.Model]) -> tuple | None:
    """(table, [(field, column, plain, pre_save)]) for an INSERT of ``model``'s new rows; None when the fast path
    does not apply (a parent model, a primary key the database does not generate, a database default, a
    value read back)."""
    opts = model._meta
    if opts.parents or not isinstance(opts.pk, models.AutoField):
        return None
    if any(field.db_default is not models.NOT_PROVIDED for field in opts.concrete_fields):
        return None  # DEFAULT in the statement: bulk_create writes it
    if any(field.db_returning and not field.primary_key for field in opts.concrete_fields):
        return None  # values the database computes and bulk_create reads back
    columns = []
    for field in opts.concrete_fields:
        if field.primary_key or field.generated:
            continue
        plain = _plain(field)
        pre_save = (
            getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
            or type(field).pre_save not in PLAIN_PRE_SAVE
        )
        columns.append((field, field.column, plain, pre_save))
    return opts.db_table, columns


def _plain(field) -> bool:
    """Whether the field's plain values go to the driver unprepared (PLAIN_FIELDS; a foreign key to an integer)."""
    if type(field) not in PLAIN_FIELDS:
        return False
    return not isinstance(field, models.ForeignKey) or isinstance(
        field.target_field, models.AutoField | models.IntegerField
    )


def _value(field, plain: bool, value, connection):
    if plain:
        kind = type(value)
        if kind in PLAIN_TYPES and not (kind is str and isinstance(field, models.DateTimeField)):
            return value
        if kind is datetime.datetime and value.tzinfo is not None:
            return value
    return field.get_db_prep_save(value, connection)


def bulk_insert(
    objs: Sequence[models.Model], *, ignore_conflicts: bool = False, using: str = "default"
) -> list[models.Model]:
    """``bulk_create(objs)``: one ``INSERT … RETURNING id`` on PostgreSQL; the objects get their primary keys and
    are saved (not adding, in ``using``), as ``bulk_create`` leaves them. All of one model, none saved yet.
    ``ignore_conflicts``: ``bulk_create(objs, ignore_conflicts=True)``, ``ON CONFLICT DO NOTHING``; as there,
    the objects get no primary key."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[using]
    plan = _plan(model) if connection.vendor == "postgresql" else None
    if plan is None or any(type(obj) is not model or obj.pk is not None for obj in objs):
        return model._default_manager.using(using).bulk_create(objs, ignore_conflicts=ignore_conflicts)
    table, columns = plan
    quote = connection.ops.quote_name
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        for field, _column, plain, pre_save in columns:
            value = field.pre_save(obj, True) if pre_save else getattr(obj, field.attname)
            params.append(_value(field, plain, value, connection))
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(column) for _f, column, _p, _s in columns)}) "  # noqa: S608 - names from the model
        f"VALUES {', '.join([row] * len(objs))} "
    )
    with connection.cursor() as cursor:
        if ignore_conflicts:
            cursor.execute(sql + "ON CONFLICT DO NOTHING", params)
            return objs
        cursor.execute(sql + f"RETURNING {quote(model._meta.pk.column)}", params)
        ids = [pk for (pk,) in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):  # PostgreSQL returns the rows of a VALUES list in its order
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    return objs


def bulk_set(objs: Sequence[models.Model], fields: Sequence[str], *, using: str = "default") -> int:
    """``bulk_update(objs, fields)``: one ``UPDATE … FROM (VALUES …)`` on PostgreSQL instead of a ``CASE WHEN``
    per row and field. Saved objects of one model; returns how many rows were updated."""
    objs = list(objs)
    if not objs:
        return 0
    model = type(objs[0])
    connection = connections[using]
    if connection.vendor != "postgresql" or model._meta.parents or any(type(obj) is not model for obj in objs):
        return model._default_manager.using(using).bulk_update(objs, fields)
    opts = model._meta
    targets = [opts.get_field(name) for name in fields]
    plain = [_plain(field) for field in targets]
    quote = connection.ops.quote_name
    casts = [opts.pk.db_type(connection)] + [field.db_type(connection) for field in targets]
    row = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    params = []
    for obj in objs:
        params.append(obj.pk)
        for field, is_plain in zip(targets, plain, strict=True):
            params.append(_value(field, is_plain, getattr(obj, field.attname), connection))
    names = ["pk", *(f"v{n}" for n in range(len(targets)))]
    assignments = ", ".join(f"{quote(field.column)} = v.{name}" for field, name in zip(targets, names[1:], strict=True))
    table = quote(opts.db_table)
    sql = (
        f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(objs))}) AS v({', '.join(names)}) "  # noqa: S608 - names from the model
        f"WHERE {table}.{quote(opts.pk.column)} = v.pk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
