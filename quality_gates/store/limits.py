"""How long a dataset name and a partition key may be: checked before a gate reads any data.

Longer values are almost always a templating mistake (a whole list rendered into
``partition=``); a retry cannot fix them, so the gate fails at once with a configuration error
that names the value. The try is still recorded: its row keeps the value shortened, with a hash
suffix so that two long values never share a row's key.
"""

from __future__ import annotations

import hashlib

from quality_gates.checks.errors import KeyTooLongError

MAX_DATASET_CHARS = 500  # the dataset columns are VARCHAR(500)
# (dataset, partition_key) is indexed; a PostgreSQL btree entry must stay under 2,704 bytes.
MAX_PARTITION_KEY_BYTES = 1000
_HASH_CHARS = 16


def check_keys(dataset: str, partition_key: str) -> None:
    """Raise ``KeyTooLongError`` naming the value when the store could not keep it."""
    if len(dataset) > MAX_DATASET_CHARS:
        raise KeyTooLongError(
            f"the dataset name is {len(dataset):,} characters long; the results store keeps at most {MAX_DATASET_CHARS:,}: "
            f"give a shorter dataset= (it starts {dataset[:60]!r})"
        )
    size = len(partition_key.encode())
    if size > MAX_PARTITION_KEY_BYTES:
        raise KeyTooLongError(
            f"the partition key is {size:,} bytes long (UTF-8); the results store keeps at most {MAX_PARTITION_KEY_BYTES:,}: "
            f"give a shorter partition= (it starts {partition_key[:60]!r})"
        )


def storable_dataset(dataset: str) -> str:
    return _shortened(dataset, MAX_DATASET_CHARS, len(dataset))


def storable_partition_key(partition_key: str) -> str:
    return _shortened(partition_key, MAX_PARTITION_KEY_BYTES, len(partition_key.encode()))


def _shortened(value: str, limit: int, size: int) -> str:
    """``value`` itself when it fits; else its start, "…" and a hash of the whole value."""
    if size <= limit:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:_HASH_CHARS]
    keep = limit // 4 - _HASH_CHARS - 2  # 4 bytes per character at most in UTF-8
    return f"{value[:keep]}…{digest}"
