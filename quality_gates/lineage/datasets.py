"""OpenLineage names of a gate's sources, by the OpenLineage naming conventions.

SQL: the connection's hook says where the database is (``get_openlineage_database_info``: e.g.
``postgres://host:5432``) and tables are ``database.schema.table``; a query is parsed with the
provider's SQL parser for the tables it reads. Files: the provider's asset converters
(``file`` + absolute path; ``s3://bucket`` + key where the Amazon provider is installed), else
``scheme://bucket`` + key. A callable has no location: it is named by the gate's dataset in the
deployment's OpenLineage namespace. Only called when OpenLineage is enabled.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from urllib.parse import urlsplit

from quality_gates.lineage.facts import DatasetName
from quality_gates.sources.callable import CallableSource
from quality_gates.sources.file import FileSource
from quality_gates.sources.sql import SqlSource

log = logging.getLogger(__name__)


def source_datasets(source: object, *, fallback_name: str | None = None) -> list[DatasetName]:
    """The datasets ``source`` reads; empty when it cannot be named (never raises). Data without a
    location is named ``fallback_name`` (the gate's dataset, for the data it checks); another
    callable by its function."""
    try:
        if isinstance(source, SqlSource):
            return sql_datasets(source)
        if isinstance(source, FileSource):
            return [file_dataset(source.path)]
        if isinstance(source, CallableSource) and fallback_name is None:
            # By its name only: Airflow imports DAG files under generated module names.
            return [DatasetName(_deployment_namespace(), getattr(source.fn, "__qualname__", repr(source.fn)))]
        if fallback_name is not None:  # data with no location (a callable's, a returned frame): the gate's dataset
            return [DatasetName(_deployment_namespace(), fallback_name)]
    except Exception as exc:  # lineage must never change a gate's outcome
        log.warning("OpenLineage: cannot name the dataset of %s: %s", getattr(source, "describe", lambda: source)(), exc)
    return []


def all_datasets(sources: Iterable[object], *, checked_name: str) -> list[DatasetName]:
    """Datasets of all ``sources``; the first is the checked one, named ``checked_name`` if its data has no location."""
    names: list[DatasetName] = []
    for position, source in enumerate(sources):
        found = source_datasets(source, fallback_name=checked_name if position == 0 else None)
        names += [name for name in found if name not in names]
    return names


def sql_datasets(source: SqlSource) -> list[DatasetName]:
    from airflow.providers.openlineage.sqlparser import SQLParser
    from airflow.sdk import BaseHook

    connection = BaseHook.get_connection(source.conn_id)
    hook = connection.get_hook()
    info = _database_info(hook, connection)
    namespace = SQLParser.create_namespace(info)
    if source.table is not None:
        schema, _, table = source.table.rpartition(".")
        schema = schema or _default_schema(hook, connection)
        return [DatasetName(namespace, ".".join(part for part in (info.database, schema, table) if part))]
    parser = SQLParser(dialect=_dialect(hook, connection), default_schema=_default_schema(hook, connection))
    lineage = parser.generate_openlineage_metadata_from_sql(sql=source.sql, hook=hook, database_info=info, use_connection=False)
    return [DatasetName(dataset.namespace, dataset.name) for dataset in lineage.inputs]


def file_dataset(path: str) -> DatasetName:
    from airflow.providers.openlineage.utils.utils import translate_airflow_asset
    from airflow.sdk import Asset

    uri = path if "://" in path else f"file://{os.path.abspath(path)}"
    converted = translate_airflow_asset(Asset(uri=uri), None)
    if converted is not None:
        return DatasetName(converted.namespace, converted.name)
    parts = urlsplit(uri)  # object storage without a converter installed: scheme://bucket + key
    return DatasetName(f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/"))


def _database_info(hook, connection):
    from airflow.providers.openlineage.sqlparser import DatabaseInfo

    info = None
    if hasattr(hook, "get_openlineage_database_info"):
        info = hook.get_openlineage_database_info(connection)
    if info is not None:
        return info
    if connection.conn_type == "sqlite":  # the database is a file: name it by its absolute path
        path = connection.host or connection.schema or ""
        path = "/" + path.lstrip("/") if path.startswith("/") else os.path.abspath(path)
        return DatabaseInfo(scheme="sqlite", authority=path, database=None)
    authority = f"{connection.host}:{connection.port}" if connection.port else connection.host
    return DatabaseInfo(scheme=connection.conn_type, authority=authority, database=connection.schema or None)


def _default_schema(hook, connection) -> str | None:
    if connection.conn_type == "sqlite":
        return "main"
    try:
        return hook.get_openlineage_default_schema()
    except Exception:  # e.g. the hook asks the database, which is down: the usual default
        return "public"


def _dialect(hook, connection) -> str:
    try:
        return hook.get_openlineage_database_dialect(connection)
    except AttributeError:
        return "generic"


def _deployment_namespace() -> str:
    from airflow.providers.openlineage import conf

    return conf.namespace()
