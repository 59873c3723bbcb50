"""Issue 12: the partition profile written once in Ibis, against our SQL engine, on PostgreSQL.

Ibis compiles one expression to many databases; the issue asks whether it could replace the
hand-written dialect code of ``checks/profiles/sql_*.py``. The Ibis formulation computes what
Ibis can express portably, in its idiomatic form:

1. one ``aggregate`` with the profile's exact metrics (counts with ``count(where=...)``, which
   Ibis compiles to ``FILTER`` on PostgreSQL; mean, population std, min, max, datetime spans);
2. ``sample(fraction, method="row")`` (``TABLESAMPLE BERNOULLI``) of about 100,000 rows read into
   pandas, on which the pandas engine computes the sample-based metrics, as our engine does;
3. the duplicate-row share: Ibis has no portable row hash on PostgreSQL, so ``distinct().count()``
   (exact), timed apart, as our engine's hash bucket has no Ibis form.

Ibis is not a dependency: install ``ibis-framework`` (PostgreSQL needs ``psycopg``) to run this;
``benchmarks/engines.py`` skips it otherwise. Each side runs in its own process.
"""

from __future__ import annotations

import importlib.util

from benchmarks.engines import PEAK, run_child

IBIS_PROFILE = (
    """
import json, sys, time
from urllib.parse import urlparse
import ibis
from quality_gates.checks.profiles.pandas_engine import profile_column
from quality_gates.checks.profiles.model import SAMPLE_ROWS

url = urlparse(sys.argv[1].replace("postgresql+psycopg2", "postgresql"))
con = ibis.postgres.connect(host=url.hostname, port=url.port or 5432, user=url.username, database=url.path.lstrip("/"))
t = con.table(sys.argv[2])
start = time.perf_counter()
aggregates = {"rows": t.count()}
for name, dtype in t.schema().items():
    c = t[name]
    aggregates[f"{name}__non_null"] = c.count()
    if dtype.is_numeric():
        aggregates |= {f"{name}__mean": c.mean(), f"{name}__std": c.std(how="pop"), f"{name}__min": c.min(),
                       f"{name}__max": c.max(), f"{name}__zeros": c.count(where=c == 0)}
    elif dtype.is_string():
        aggregates[f"{name}__empties"] = c.count(where=c == "")
    elif dtype.is_boolean():
        aggregates[f"{name}__trues"] = c.count(where=c)
    elif dtype.is_timestamp():
        aggregates[f"{name}__span"] = c.epoch_seconds().max() - c.epoch_seconds().min()
exact = t.aggregate(**aggregates).execute()
rows = int(exact["rows"].iloc[0])
fraction = min(1.0, (SAMPLE_ROWS + 5 * SAMPLE_ROWS ** 0.5 + 10) / max(rows, 1))
sample = t.sample(fraction, method="row").execute().head(SAMPLE_ROWS)
for name, dtype in t.schema().items():
    if not dtype.is_boolean():
        profile_column(sample[name], sample[name])
profile_seconds = time.perf_counter() - start
start = time.perf_counter()
distinct = t.distinct().count().execute()
distinct_seconds = time.perf_counter() - start
"""
    + PEAK
    + """
print(json.dumps({"seconds": profile_seconds, "distinct_seconds": distinct_seconds, "peak_mb": peak_kb / 1024,
                  "rows": rows, "sample_rows": len(sample)}))
"""
)


def ibis_available() -> bool:
    return importlib.util.find_spec("ibis") is not None


def bench_ibis_profile(pg: str, table: str) -> dict:
    return run_child(IBIS_PROFILE, pg, table)
