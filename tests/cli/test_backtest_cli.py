"""`quality-gates backtest` on a real file and on a SQL table."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import sqlalchemy as sa

from quality_gates.store.repository import ResultStore


def many_days(days: int = 14, corrupt_day: int = 11) -> pd.DataFrame:
    frames = []
    for i in range(days):
        rng = np.random.default_rng(i)
        day = dt.date(2024, 4, 1) + dt.timedelta(days=i)
        frame = pd.DataFrame({"day": day.isoformat(), "price": rng.gamma(3.0, 5.0, 500).round(2), "kind": rng.choice(["a", "b", "c"], 500)})
        if i == corrupt_day:
            frame.loc[frame.index[:50], "price"] = None
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def backtest(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "quality_gates.cli", "backtest", *args], capture_output=True, text=True)


def test_backtest_on_a_file_flags_the_corrupted_day_and_reports_the_alert_rate(tmp_path):
    path = tmp_path / "history.parquet"
    many_days().to_parquet(path)
    done = backtest(str(path), "--dataset", "prices", "--partition-column", "day", "--min-history", "5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("2024-04-01") and "insufficient history (0 earlier)" in lines[0]
    flagged = [line for line in lines if "ANOMALOUS" in line]
    assert len(flagged) == 1 and flagged[0].startswith("2024-04-12") and "culprits: price" in flagged[0]
    assert "null_fraction" in lines[lines.index(flagged[0]) + 1]
    assert lines[-1] == "prices: 1 alert(s) in 9 judged partitions (alert rate 11.1%), sensitivity 1.0"


def test_backtest_record_seeds_the_store_history(tmp_path):
    path = tmp_path / "history.csv"
    many_days().to_csv(path, index=False)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    done = backtest(str(path), "--dataset", "prices", "--partition-column", "day", "--min-history", "5", "--record", "--store-url", url)
    assert done.returncode == 0, done.stderr
    statuses = ResultStore.open(url).partitions.statuses("prices")
    assert len(statuses) == 14 and statuses["2024-04-12"] == "excluded"


def test_backtest_on_a_sql_table(tmp_path, monkeypatch):
    path = tmp_path / "warehouse.db"
    many_days().to_sql("prices", sa.create_engine(f"sqlite:///{path}"), index=False)
    monkeypatch.setenv("AIRFLOW_CONN_LITE_WAREHOUSE", f"sqlite:///{path}")
    done = backtest(
        "--conn-id", "lite_warehouse", "--table", "prices", "--dataset", "prices", "--partition-column", "day", "--min-history", "5"
    )
    assert done.returncode == 0, done.stderr
    assert [line[:10] for line in done.stdout.splitlines() if "ANOMALOUS" in line] == ["2024-04-12"]


def test_backtest_with_an_unknown_partition_column(tmp_path):
    path = tmp_path / "history.parquet"
    many_days().to_parquet(path)
    done = backtest(str(path), "--dataset", "prices", "--partition-column", "date")
    assert done.returncode == 1
    assert done.stderr.strip() == "quality-gates: partition column 'date' is not in the data (columns: day, price, kind)"
