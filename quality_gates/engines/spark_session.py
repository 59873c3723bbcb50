"""Spark sessions from Airflow connections, and Spark's errors in the project's terms.

Nothing here imports pyspark at module level: a DAG file that names a ``SparkSource`` parses
without a JVM. The session is built when a gate first computes.

Connection forms (``BaseHook.get_connection``; the Spark provider need not be installed):

* type ``spark``: host is the master (``local[2]``, ``spark://host``, ``yarn``); a port is
  appended to a ``spark://`` host; extra ``{"conf": {"spark.executor.memory": "2g"}}``;
* type ``spark_connect``, or any host starting with ``sc://``: a Spark Connect server
  (``sc://host:15002``; extra ``token``, ``use_ssl``), no local JVM (Databricks, remote clusters).
"""

from __future__ import annotations

from typing import Any

from quality_gates.checks.errors import SourceConfigurationError, SourceError

LOCAL_CONF = {"spark.ui.enabled": "false", "spark.sql.session.timeZone": "UTC"}


def session_for(conn_id: str) -> Any:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        connection = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        raise SourceConfigurationError(
            f"Spark connection '{conn_id}' does not exist (an Airflow connection of type "
            "'spark' with the master as host, or 'spark_connect' with sc://host:15002)"
        ) from None
    extra = connection.extra_dejson or {}
    host = (connection.host or "").strip()
    if connection.conn_type == "spark_connect" or host.startswith("sc://"):
        return connect_session(connect_url(host, connection.port, extra), conn_id)
    if connection.conn_type != "spark":
        raise SourceConfigurationError(
            f"connection '{conn_id}' (type {connection.conn_type}) is not a Spark connection (types: spark, spark_connect)"
        )
    master = extra.get("master") or host or "local[*]"
    if master.startswith("spark://") and connection.port:
        master = f"{master}:{connection.port}"
    return local_session(master, extra.get("conf") or {})


def connect_url(host: str, port: int | None, extra: dict[str, Any]) -> str:
    url = host if host.startswith("sc://") else f"sc://{host}"
    if port and url.count(":") < 2:
        url = f"{url}:{port}"
    params = [f"token={extra['token']}"] if extra.get("token") else []
    params += ["use_ssl=true"] if extra.get("use_ssl") else []
    return url + "".join(f"/;{p}" if i == 0 else f";{p}" for i, p in enumerate(params))


def local_session(master: str, conf: dict[str, Any]) -> Any:
    """A classic session (JVM in the worker); reused by later gates in the same process."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName("airflow-quality-gates")
    for key, value in {**LOCAL_CONF, **conf}.items():
        builder = builder.config(key, str(value))
    return builder.getOrCreate()


def connect_session(url: str, conn_id: str) -> Any:
    import os

    from pyspark.sql import SparkSession

    # pyspark marks the whole process as Spark Connect (SPARK_CONNECT_MODE_ENABLED) before it
    # knows the server answers; left set after a failure, every later classic session in this
    # worker process fails with CONNECT_URL_NOT_SET.
    connect_mode = os.environ.get("SPARK_CONNECT_MODE_ENABLED")
    try:
        session = SparkSession.builder.remote(url).getOrCreate()
        session.range(1).collect()  # the channel opens lazily: fail here, retryable, not in a check
    except Exception as exc:  # grpc and pyspark raise many types for one unreachable server
        if connect_mode is None:
            os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
        raise SourceError(f"Spark Connect server {url.split('/;')[0]} (connection '{conn_id}') is unreachable: {first_line(exc)}") from exc
    return session


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "getMessage", lambda: None)() or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def spark_error(name: str, exc: Exception) -> Exception:
    """A configuration error for what the author wrote wrong (analysis, parse), else retryable."""
    from pyspark.errors import AnalysisException, ParseException

    if isinstance(exc, ParseException):
        return SourceConfigurationError(f"{name}: Spark SQL syntax error: {first_line(exc)}")
    if isinstance(exc, AnalysisException):
        return SourceConfigurationError(f"{name}: {first_line(exc)}")
    return SourceError(f"cannot read {name}: {first_line(exc)}")
