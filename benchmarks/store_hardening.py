"""What the store hardening (issue 11 findings 7, 8, 10) costs, side by side with the code before it.

- First use of a fresh SQLite file: the whole upgrade in one BEGIN IMMEDIATE transaction behind
  the first-use lock (and the repair check) vs Alembic's plain upgrade, as before.
- One alert decision: insert-first upsert vs the former SELECT (FOR UPDATE) then INSERT/UPDATE,
  on SQLite and PostgreSQL, for a gate seen before (the common case).
- A new store connection plus `SELECT 1`, with the timeouts' connect arguments vs none.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from benchmarks.common import ensure_bench_database, markdown_table, median_seconds, write_results

DECISIONS = 200


def bench_first_use() -> list[object]:
    from alembic import command
    from sqlalchemy import create_engine

    from quality_gates.store import migrate
    from quality_gates.store.engine import StoreTimeouts, engine_for
    from quality_gates.store.sqlite_migrate import first_use_lock

    workdir = Path(tempfile.mkdtemp(prefix="qg-bench-first-use-"))
    counter = iter(range(10**6))

    def before():
        engine = create_engine(f"sqlite:///{workdir / f'old_{next(counter)}.db'}")
        config = migrate._config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        engine.dispose()

    def now():
        engine = engine_for(f"sqlite:///{workdir / f'new_{next(counter)}.db'}")
        with first_use_lock(engine, StoreTimeouts()):
            migrate.upgrade(engine)
        engine.dispose()

    old, new = median_seconds(before, repeats=7), median_seconds(now, repeats=7)
    return ["first use of a fresh SQLite file (all migrations)", f"{old * 1e3:.0f} ms", f"{new * 1e3:.0f} ms", f"{new / old:.2f}×"]


def _decide_before(engine, dag_id: str, task_id: str, dataset: str, status, gate_run_id: int):
    """The decision as it was before the upsert (select, then insert or update)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from quality_gates.store.alerts import _decide
    from quality_gates.store.models import AlertStateRow

    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        query = select(AlertStateRow).where(
            AlertStateRow.dag_id == dag_id, AlertStateRow.task_id == task_id, AlertStateRow.dataset == dataset
        )
        if engine.dialect.name == "postgresql":
            query = query.with_for_update()
        state = session.scalars(query).one_or_none()
        previous = None if state is None else state.last_status
        decision = _decide(None if previous is None else type(status)(previous), status, True, state.suppressed_count if state else 0)
        if state is None:
            state = AlertStateRow(dag_id=dag_id, task_id=task_id, dataset=dataset, suppressed_count=0)
            session.add(state)
        state.last_status, state.last_gate_run_id, state.updated_at = status.value, gate_run_id, now
    return decision


def bench_decisions(label: str, url: str) -> list[object]:
    from quality_gates.checks.results import Status
    from quality_gates.store.repository import ResultStore

    store = ResultStore.open(url)
    run_ids = iter(range(10**6))

    def before():
        for _ in range(DECISIONS):
            _decide_before(store.engine, "bench", "before", "orders", Status.FAILED, next(run_ids))

    def now():
        for _ in range(DECISIONS):
            store.alert_states.decide("bench", "now", "orders", Status.FAILED, next(run_ids))

    old, new = median_seconds(before, repeats=3) / DECISIONS, median_seconds(now, repeats=3) / DECISIONS
    return [f"one alert decision, {label}", f"{old * 1e3:.2f} ms", f"{new * 1e3:.2f} ms", f"{new / old:.2f}×"]


def bench_connect(url: str) -> list[object]:
    from sqlalchemy import NullPool, create_engine, text
    from sqlalchemy.engine import make_url

    from quality_gates.store.engine import StoreTimeouts, _postgres_connect_args

    plain = create_engine(url, poolclass=NullPool)
    timed = create_engine(url, poolclass=NullPool, connect_args=_postgres_connect_args(make_url(url), StoreTimeouts()))

    def connect(engine):
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    old, new = median_seconds(lambda: connect(plain), repeats=30), median_seconds(lambda: connect(timed), repeats=30)
    return ["new PostgreSQL connection + SELECT 1", f"{old * 1e3:.2f} ms", f"{new * 1e3:.2f} ms", f"{new / old:.2f}×"]


def main() -> str:
    pg = ensure_bench_database()
    sqlite = f"sqlite:///{Path(tempfile.mkdtemp(prefix='qg-bench-alerts-')) / 'store.db'}"
    rows = [bench_first_use(), bench_decisions("SQLite", sqlite), bench_decisions("PostgreSQL", pg), bench_connect(pg)]
    table = markdown_table(["measurement", "before (baseline)", "now", "now / before"], rows)
    write_results("store_hardening", "Store hardening: atomic SQLite migrations, alert upsert, timeouts (issue 11)", table, {"rows": rows})
    return table


if __name__ == "__main__":
    print(main())
