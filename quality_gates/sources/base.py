"""What every source offers a gate: its data in chunks, and words to name it in messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # pandas is imported when data is read, not when a DAG file is parsed
    import pandas as pd

    from quality_gates.engines.computation import Computation

from quality_gates.checks.errors import SourceConfigurationError, SourceError, require_unique_column_names

__all__ = ["DEFAULT_CHUNK_SIZE", "Source", "SourceConfigurationError", "SourceError", "read_frame"]

DEFAULT_CHUNK_SIZE = 100_000


@runtime_checkable
class Source(Protocol):
    template_fields: tuple[str, ...]

    def read_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pd.DataFrame]:
        """Yield the data as DataFrames of at most ``chunk_size`` rows (at least one frame)."""
        ...

    def compute(self, engine: str = "auto") -> Computation:
        """Where this data can be computed (a typed computation: the engine registry picks each
        statistic's implementation from it)."""
        ...

    def describe(self) -> str:
        """Name the data in messages: "table public.trips (connection 'warehouse')"."""
        ...

    def default_dataset(self) -> str | None:
        """A stable dataset name when the author gives none, or None."""
        ...


def read_frame(source: Source, chunk_size: int = DEFAULT_CHUNK_SIZE) -> pd.DataFrame:
    """All of a source's rows in one frame, for work that needs the whole partition at once."""
    import pandas as pd

    chunks = list(source.read_chunks(chunk_size))
    frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    require_unique_column_names(frame.columns, source.describe())
    return frame
