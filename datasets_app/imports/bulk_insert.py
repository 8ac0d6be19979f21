"""Inserting many new rows of one model and getting their ids back: PostgreSQL's COPY (ids reserved from
the table's sequence first), bulk_create elsewhere.

COPY is what lets an import keep up with a raw insert (benchmarks/import_scale.py): bulk_create builds a
model instance and an INSERT parameter list per row, which costs about four times COPY's time. The
columns a caller does not give take their field's default (auto_now/auto_now_add fields: now), computed
once per call; a field whose default must be computed per row has to be given.
"""
import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

BULK_CREATE_BATCH = 500
_EMPTY_JSON = {dict: "{}", list: "[]"}  # most metadata is empty; json.dumps costs a microsecond or two each


def _constant_default(field: models.Field, now: Any) -> Any:
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        return now
    if field.has_default() and callable(field.default) and field.default not in (dict, list):
        raise ValueError(f"{field.model.__name__}.{field.name} has a per-row default ({field.default!r}); give its value.")
    value = field.get_default()
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    return field.get_db_prep_save(value, connection)


def _reserve_ids(cursor: Any, table: str, count: int) -> list[int]:
    """`count` ids from the table's own sequence: safe beside concurrent inserts, never reused."""
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
    return [row[0] for row in cursor.fetchall()]


def _copy(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    opts = model._meta
    given = [opts.get_field(name) for name in names]
    json_columns = [index for index, field in enumerate(given) if isinstance(field, models.JSONField)]
    now = timezone.now()
    rest = [field for field in opts.concrete_fields if not field.primary_key and field.attname not in names]
    constants = tuple(_constant_default(field, now) for field in rest)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in (opts.pk, *given, *rest))
    # The raw psycopg cursor (COPY is not in Django's cursor API): Django's error wrapper turns what the
    # database refuses (a unique violation from a concurrent write, say) into django.db's IntegrityError,
    # which the import service records as a failed import, as it does for ORM writes.
    with connection.cursor() as django_cursor, connection.wrap_database_errors:
        cursor = django_cursor.cursor
        ids = _reserve_ids(cursor, opts.db_table, len(rows))
        with cursor.copy(f"COPY {connection.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows):
                values = list(row)
                for index in json_columns:
                    values[index] = json.dumps(values[index]) if values[index] else _EMPTY_JSON[type(values[index])]
                copy.write_row((pk, *values, *constants))
    return ids


def insert_rows(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert `rows` (values in the order of the fields' attribute `names`, e.g. `project_id`, as Python
    values) as new rows of `model`,
    in the caller's transaction; returns their ids in order."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(model, names, rows)
    created = model.objects.bulk_create([model(**dict(zip(names, row))) for row in rows], batch_size=BULK_CREATE_BATCH)
    if any(instance.pk is None for instance in created):
        raise NotImplementedError(f"{connection.vendor} does not return the ids of bulk-inserted rows.")
    return [instance.pk for instance in created]
