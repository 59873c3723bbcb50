"""The Spark benchmark's table: orders of 15 columns (8 numeric, 4 text, a timestamp, a boolean,
a nullable text), written as Parquet one row group of ``BATCH`` rows at a time, so that writing
20M rows needs the memory of one batch. Kept between runs (``QG_BENCH_SPARK_DATA``): generating
20M rows takes minutes on a loaded machine."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

BATCH = 1_000_000
VERSION = 1  # bump when the columns change: the file name carries it
DATA_DIR = Path(os.environ.get("QG_BENCH_SPARK_DATA", Path(tempfile.gettempdir()) / "qg-bench-spark"))
STATUSES = np.array(["new", "paid", "shipped", "returned"])
CHANNELS = np.array(["web", "app", "store", "phone", "partner"])
CITIES = np.array([f"city_{n:02d}" for n in range(60)])
COUNTRIES = np.array(["DE", "FR", "NL", "BE", "AT", "CH", "IT", "ES", "PL", "SE", "DK", "NO", "FI", "PT", "IE", "GB"])
COUPONS = np.array(["SPRING", "WELCOME10", "VIP"])
EPOCH_2024 = np.datetime64("2024-01-01T00:00:00", "us")


def batch(start: int, rows: int) -> pa.Table:
    rng = np.random.default_rng(start)
    amount = rng.gamma(2.0, 20.0, rows).round(2)
    amount[rng.random(rows) < 0.01] = np.nan
    coupon = np.where(rng.random(rows) < 0.8, None, rng.choice(COUPONS, rows)).astype(object)
    return pa.table(
        {
            "order_id": pa.array(np.arange(start, start + rows, dtype=np.int64)),
            "customer_id": rng.integers(1, 2_000_000, rows),
            "amount": amount,
            "quantity": rng.integers(1, 21, rows),
            "discount": rng.beta(1.0, 8.0, rows).round(3),
            "tax": (amount * 0.19).round(2),
            "shipping": rng.exponential(4.0, rows).round(2),
            "weight_kg": rng.lognormal(0.5, 0.8, rows).round(3),
            "status": pa.array(rng.choice(STATUSES, rows, p=[0.1, 0.5, 0.35, 0.05])),
            "channel": pa.array(rng.choice(CHANNELS, rows)),
            "city": pa.array(rng.choice(CITIES, rows)),
            "country": pa.array(rng.choice(COUNTRIES, rows)),
            "created_at": pa.array(
                EPOCH_2024 + rng.integers(0, 86_400 * 1_000_000, rows).astype("timedelta64[us]"), pa.timestamp("us", "UTC")
            ),
            "is_gift": rng.random(rows) < 0.07,
            "coupon": pa.array(coupon, pa.string()),
        }
    )


def orders_table(rows: int) -> Path:
    """The Parquet file of ``rows`` rows, written when missing (atomically: a partial file never counts)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"orders_v{VERSION}_{rows}.parquet"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    writer = None
    for start in range(0, rows, BATCH):
        table = batch(start, min(BATCH, rows - start))
        writer = writer or pq.ParquetWriter(partial, table.schema, compression="snappy")
        writer.write_table(table, row_group_size=BATCH)
    assert writer is not None, "rows must be positive"
    writer.close()
    partial.rename(path)
    return path
