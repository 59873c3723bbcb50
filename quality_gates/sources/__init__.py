"""Where a gate's data comes from. All string fields are Airflow templates."""

from quality_gates.sources.base import DEFAULT_CHUNK_SIZE, Source, SourceConfigurationError, SourceError, read_frame
from quality_gates.sources.callable import CallableSource
from quality_gates.sources.file import FileSource
from quality_gates.sources.spark import SparkSource
from quality_gates.sources.sql import SqlSource

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "CallableSource",
    "FileSource",
    "Source",
    "SourceConfigurationError",
    "SourceError",
    "SparkSource",
    "SqlSource",
    "read_frame",
]
