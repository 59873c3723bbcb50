"""Data returned by a Python callable: a DataFrame, or an iterable of DataFrames (chunks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported when data is read, not when a DAG file is parsed
    import pandas as pd

from quality_gates.sources.base import DEFAULT_CHUNK_SIZE, SourceError


class CallableSource:
    template_fields = ("op_kwargs",)

    def __init__(self, fn: Callable[..., Any], op_kwargs: Mapping[str, Any] | None = None):
        if not callable(fn):
            raise TypeError(f"CallableSource needs a callable, got {type(fn).__name__}")
        self.fn = fn
        self.op_kwargs = dict(op_kwargs or {})

    @property
    def _name(self) -> str:
        return getattr(self.fn, "__qualname__", repr(self.fn))

    def compute(self, engine: str = "auto"):
        """Rows in the worker, as the callable returns them (``engine`` only matters for files)."""
        from quality_gates.engines.computation import PandasChunks

        return PandasChunks(self.read_chunks, self.describe())

    def describe(self) -> str:
        return f"callable {self._name}"

    def default_dataset(self) -> str | None:
        return None

    def read_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pd.DataFrame]:
        import pandas as pd

        data = self.fn(**self.op_kwargs)
        if isinstance(data, pd.DataFrame):
            yield data
            return
        if data is None or isinstance(data, (str, bytes, Mapping)) or not hasattr(data, "__iter__"):
            raise SourceError(f"{self.describe()} returned {type(data).__name__}, expected a pandas DataFrame")
        for number, chunk in enumerate(data):
            if not isinstance(chunk, pd.DataFrame):
                raise SourceError(f"{self.describe()} yielded {type(chunk).__name__} as chunk {number}, expected a pandas DataFrame")
            yield chunk
