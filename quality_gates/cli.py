"""``quality-gates``: manage the results store and bootstrap schemas."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _store_url(args: argparse.Namespace) -> str:
    if args.url:
        return args.url
    from quality_gates.hooks.store import QualityStoreHook

    return QualityStoreHook(args.conn_id).get_url()


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from quality_gates.store import migrate
    from quality_gates.store.repository import ResultStore

    store = ResultStore.open(_store_url(args), migrate_schema=False)
    migrate.upgrade(store.engine)
    print(f"results store {store.location} is at revision {migrate.current_revision(store.engine)}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from quality_gates.store import migrate
    from quality_gates.store.repository import ResultStore

    store = ResultStore.open(_store_url(args), migrate_schema=False)
    current, head = migrate.current_revision(store.engine), migrate.head_revision()
    print(f"{store.location}: revision {current or 'none (not created yet)'}, latest {head}")
    return 0 if current == head else 1


def cmd_db_prune(args: argparse.Namespace) -> int:
    from quality_gates.store.repository import ResultStore
    from quality_gates.store.retention import execute_prune, parse_age, plan_prune

    older_than = parse_age(args.older_than)
    store = ResultStore.open(_store_url(args))
    plan = plan_prune(store.engine, older_than, baseline_window=args.baseline_window)
    if not args.dry_run:
        plan = execute_prune(store.engine, plan, batch_size=args.batch_size)
    print(f"{store.location}:" + (" (dry run, nothing deleted)" if args.dry_run else ""))
    for line in plan.describe(done=not args.dry_run):
        print(line)
    return 0


def cmd_infer_schema(args: argparse.Namespace) -> int:
    import pandera.pandas as pa

    from quality_gates.sources import FileSource, SqlSource

    if args.file:
        source = FileSource(args.file)
    elif args.conn_id and args.sql:
        source = SqlSource(args.conn_id, sql=args.sql)
    else:
        print("infer-schema: give a FILE, or --conn-id and --sql", file=sys.stderr)
        return 2
    sample = next(iter(source.read_chunks(args.sample_rows)))
    schema = pa.infer_schema(sample)
    text = schema.to_yaml()
    header = f"# Inferred by quality-gates from {source.describe()} ({len(sample):,} rows). Review before use.\n"
    if args.output:
        Path(args.output).write_text(header + text, encoding="utf-8")
        print(f"wrote {args.output} ({len(schema.columns)} columns)")
    else:
        sys.stdout.write(header + text)
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from quality_gates import backtest
    from quality_gates.checks.anomaly import PartitionAnomalyDetector
    from quality_gates.sources import FileSource, read_frame

    if args.file:
        partitions = backtest.frame_partitions(read_frame(FileSource(args.file)), args.partition_column)
    elif args.conn_id and args.table:
        partitions = backtest.sql_partitions(args.conn_id, args.table, args.partition_column)
    else:
        print("backtest: give a FILE, or --conn-id and --table", file=sys.stderr)
        return 2
    detector = PartitionAnomalyDetector(
        sensitivity=args.sensitivity, min_history=args.min_history, seasonality=args.seasonality, max_alarm_rate=args.max_alarm_rate
    )
    store = None
    if args.record:
        from quality_gates.store.repository import ResultStore

        store = ResultStore.open(args.store_url or _store_url(argparse.Namespace(url=None, conn_id=args.store_conn_id)))
    judged = alerts = 0
    for replayed in backtest.replay(partitions, detector, args.history):
        print(backtest.describe(replayed), flush=True)
        if replayed.verdict.status != "insufficient_history":
            judged += 1
            alerts += replayed.verdict.anomalous
        if store is not None:
            store.partitions.save(args.dataset, replayed.key, replayed.profile, anomalous=replayed.verdict.anomalous)
    rate = f"{alerts / judged:.1%}" if judged else "n/a"
    print(f"\n{args.dataset}: {alerts} alert(s) in {judged} judged partitions (alert rate {rate}), sensitivity {args.sensitivity}")
    if store is not None:
        print(f"recorded the partitions' profiles in {store.location}: flagged ones are kept out of the baseline")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quality-gates", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def store_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--conn-id", help="results store connection (default: as the gates resolve it)")
        sub.add_argument("--url", help="SQLAlchemy URL of the results store, instead of a connection")

    db = commands.add_parser("db", help="results store schema").add_subparsers(dest="db_command", required=True)
    upgrade = db.add_parser("upgrade", help="create or migrate the results tables")
    store_options(upgrade)
    upgrade.set_defaults(handler=cmd_db_upgrade)
    current = db.add_parser("current", help="show the store's schema revision")
    store_options(current)
    current.set_defaults(handler=cmd_db_current)
    prune = db.add_parser("prune", help="delete old gate runs and check results (never what gates still use)")
    store_options(prune)
    prune.add_argument("--older-than", required=True, help="age of the gate runs to delete, e.g. 180d, 12h, 2w")
    prune.add_argument("--dry-run", action="store_true", help="print what would be deleted, delete nothing")
    prune.add_argument(
        "--baseline-window",
        type=int,
        default=30,
        help="newest baseline partitions kept per dataset, whatever their age (default 30: the anomaly gate's history)",
    )
    prune.add_argument("--batch-size", type=int, default=500, help="gate runs deleted per transaction (default 500)")
    prune.set_defaults(handler=cmd_db_prune)

    infer = commands.add_parser("infer-schema", help="write a starting pandera YAML schema from data")
    infer.add_argument("file", nargs="?", help="a csv or parquet file")
    infer.add_argument("--conn-id", help="Airflow SQL connection, with --sql")
    infer.add_argument("--sql", help="query whose rows to infer from")
    infer.add_argument("--sample-rows", type=int, default=100_000, help="rows to read (default 100000)")
    infer.add_argument("-o", "--output", help="write to this file instead of stdout")
    infer.set_defaults(handler=cmd_infer_schema)

    back = commands.add_parser("backtest", help="replay the anomaly detector over past partitions")
    back.add_argument("file", nargs="?", help="a csv or parquet file holding many partitions")
    back.add_argument("--dataset", required=True, help="dataset name (as the gate's dataset=)")
    back.add_argument("--partition-column", required=True, help="column whose values are the partitions")
    back.add_argument("--conn-id", help="Airflow SQL connection, with --table")
    back.add_argument("--table", help="table holding many partitions")
    back.add_argument("--sensitivity", type=float, default=1.0, help="higher flags more (default 1.0)")
    back.add_argument("--min-history", type=int, default=7, help="earlier partitions needed to judge (default 7)")
    back.add_argument("--history", type=int, default=30, help="earlier partitions compared with (default 30)")
    back.add_argument(
        "--seasonality", choices=["weekly", "auto"], help="compare same weekdays (auto: when row counts show a weekday effect)"
    )
    back.add_argument("--max-alarm-rate", type=float, help="calibrate thresholds on the history to this alarm rate (e.g. 0.01)")
    back.add_argument("--record", action="store_true", help="seed the results store's history from the replay")
    back.add_argument("--store-conn-id", help="results store connection for --record")
    back.add_argument("--store-url", help="results store SQLAlchemy URL for --record")
    back.set_defaults(handler=cmd_backtest)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run a parsed command; our configuration, source and store errors become one line on stderr."""
    try:
        return args.handler(args)
    except (ValueError, RuntimeError) as exc:
        print(f"quality-gates: {exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
