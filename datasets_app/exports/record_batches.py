"""Export reads as Arrow record batches: the rows of `selectors`' querysets streamed in their fixed order,
so memory stays flat. PyArrow and Polars are loaded with this module, which only the build imports (not
the web process's views, nor a training job)."""
import queue
import threading
from collections.abc import Iterator, Sequence

import pyarrow as pa
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet

from annotation.models import Annotation
from datasets_app.exports.builders.columnar.frames import item_schema, response_schema, rows_to_batch
from datasets_app.exports.selectors import item_queryset, response_queryset

CHUNK_SIZE = 5000
READ_AHEAD_CHUNKS = 2
ARROW_BATCH_BYTES = 1 << 20  # size of each Arrow batch read from PostgreSQL (ADBC default: 16 MB)
# The export reader's session. The query runs as one COPY for the whole export, so a role's or
# database's statement_timeout must not cut it short. JIT compilation of the export query's many
# expressions costs more than it saves on one pass over the rows (about a second of the read at 1M
# annotations, benchmarks/export_scale.py), so it is off.
EXPORT_SESSION = ("SET statement_timeout = 0", "SET jit = off")


def stream_batches(queryset: QuerySet, schema: pa.Schema, chunk_size: int | None = None) -> Iterator[pa.RecordBatch]:
    """The rows of a values_list queryset as Arrow record batches of `schema` (the queryset's columns in
    order, renamed to the schema's names).

    On PostgreSQL outside a transaction (a build task) the rows come straight into Arrow through ADBC's
    PostgreSQL driver (binary COPY decoded in C++, no Python object per value) on a connection and a
    thread of their own (`_arrow_read_ahead`); inside a transaction, which another connection cannot see
    into, and on SQLite, driver rows are converted a chunk at a time."""
    connection = connections[queryset.db]
    sql, params = queryset.query.sql_with_params()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _arrow_read_ahead(connection, sql, params, schema)
    chunks = _chunks_in_place(connection, sql, params, chunk_size or CHUNK_SIZE)
    return (rows_to_batch(rows, schema) for rows in chunks)


def _chunks_in_place(connection: BaseDatabaseWrapper, sql: str, params: tuple, chunk_size: int) -> Iterator[list[tuple]]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield rows


def _adbc_conninfo(connection: BaseDatabaseWrapper) -> str:
    """The libpq connection string of Django's PostgreSQL connection, password included."""
    import psycopg

    connection.ensure_connection()
    info = connection.connection.info
    return psycopg.conninfo.make_conninfo(info.dsn, **({"password": info.password} if info.password else {}))


def _arrow_read_ahead(connection: BaseDatabaseWrapper, sql: str, params: tuple, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Record batches read by a thread through ADBC, a batch or two ahead of the caller. The query is
    sent with its parameters bound client-side (psycopg's own quoting), as ADBC takes one SQL string."""
    import adbc_driver_postgresql.dbapi
    import psycopg
    from adbc_driver_postgresql import StatementOptions

    statement = psycopg.ClientCursor(connection.connection).mogrify(sql, params)
    conninfo = _adbc_conninfo(connection)
    batches: queue.Queue = queue.Queue(maxsize=READ_AHEAD_CHUNKS)
    stop = threading.Event()

    def produce() -> None:
        try:
            with adbc_driver_postgresql.dbapi.connect(conninfo) as reader, reader.cursor() as cursor:
                for setting in EXPORT_SESSION:
                    cursor.execute(setting)
                cursor.adbc_statement.set_options(**{StatementOptions.BATCH_SIZE_HINT_BYTES.value: str(ARROW_BATCH_BYTES)})
                cursor.execute(statement)
                for batch in cursor.fetch_record_batch():
                    batches.put(pa.Table.from_batches([batch]).rename_columns(schema.names).cast(schema))
                    if stop.is_set():
                        return
            batches.put(None)  # the end
        # Whatever fails here must reach the caller (and fail the export) rather than end the thread quietly.
        except BaseException as error:  # noqa: BLE001
            batches.put(error)

    thread = threading.Thread(target=produce, name="export-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            table = batches.get()
            if isinstance(table, BaseException):
                raise table
            if table is None:
                return
            yield from table.to_batches()
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue, then let it finish
            try:
                batches.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def item_annotation_batches(
    annotations: QuerySet[Annotation], *, pairs_only: bool, score_attributes: Sequence[str] = ()
) -> Iterator[pa.RecordBatch]:
    """Batches of item_queryset's columns, one row per annotation, ordered by item then annotation id."""
    return stream_batches(item_queryset(annotations, pairs_only=pairs_only, score_attributes=score_attributes),
                          item_schema(score_attributes))


def response_score_batches(annotations: QuerySet[Annotation], score_attributes: Sequence[str]) -> Iterator[pa.RecordBatch]:
    """Batches of response_queryset's columns, one row per (annotation, response slot), ordered by
    prompt, response, annotation id and slot."""
    return stream_batches(response_queryset(annotations, score_attributes), response_schema(score_attributes))
