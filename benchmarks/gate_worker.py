"""Runs GATE (PyPI ``gate-drift`` 0.1.5) for the detection-quality benchmark, inside GATE's own
virtual environment (see ``benchmarks/detection_quality.py``, which starts it).

It follows a manifest (JSON lines) that the benchmark appends to while it runs, and writes one
JSON line per verdict. Manifest lines:

* ``{"op": "history", "dataset": d, "file": f}``: a parquet file of the clean partitions, with the
  partition key in column ``part``; summarised once.
* ``{"op": "batch", "dataset": d, "file": f | null, "evals": [{"id", "key", "history": [keys]}]}``:
  partitions to judge, each against the named clean partitions. With a file, the partitions
  (corrupted copies, keys sorting after their history) are summarised from it; without one,
  ``key`` is a clean partition.
* ``{"op": "done"}``.

Only the standard library, pandas and gate are imported here: this file runs in that other venv.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

import gate
import pandas as pd

PART = "part"
IDLE_LIMIT_S = 900


def verdict(current, previous) -> dict:
    result = gate.detect_drift(current, previous, cluster=False)
    top = [str(c) for c in result.drifted_columns(limit=3).index]
    statistic = result.drifted_columns(limit=1)
    first = None
    if len(statistic):
        row = statistic.iloc[0]
        first = f"{statistic.index[0]}.{row['statistic']} z={float(row['z-score']):.2f}"
    return {
        "drifted": bool(result.is_drifted),
        "score": float(result.score),
        "percentile": float(result.score_percentile),
        "top_columns": top,
        "top_statistic": first,
    }


def main(manifest_path: str, results_path: str) -> int:
    summaries: dict[str, dict[str, object]] = {}
    reference: dict[str, object] = {}
    position = 0
    idle_since = time.monotonic()
    with open(results_path, "a", encoding="utf-8") as out:
        while True:
            with open(manifest_path, encoding="utf-8") as manifest:
                manifest.seek(position)
                chunk = manifest.read()
            lines = chunk.split("\n")
            complete, rest = lines[:-1], lines[-1]
            position += len(chunk.encode("utf-8")) - len(rest.encode("utf-8"))
            if not complete:
                if time.monotonic() - idle_since > IDLE_LIMIT_S:
                    return 3  # the benchmark died without saying "done"
                time.sleep(0.1)
                continue
            idle_since = time.monotonic()
            for line in complete:
                if not line.strip():
                    continue
                task = json.loads(line)
                if task["op"] == "done":
                    return 0
                dataset = task["dataset"]
                if task["op"] == "history":
                    frame = pd.read_parquet(task["file"])
                    columns = [c for c in frame.columns if c != PART]
                    found = gate.summarize(frame, columns=columns, partition_key=PART)
                    summaries[dataset] = {s.partition: s for s in found}
                    reference[dataset] = found[0]
                    continue
                known = summaries[dataset]
                current = {}
                if task.get("file"):
                    try:
                        frame = pd.read_parquet(task["file"])
                        os.unlink(task["file"])  # a temporary file: the corrupted copies of large partitions add up
                        current = {
                            s.partition: s for s in gate.summarize(frame, partition_key=PART, previous_summaries=[reference[dataset]])
                        }
                    except Exception as error:
                        failure = f"summarize: {type(error).__name__}: {error}"
                        for item in task["evals"]:
                            out.write(json.dumps({"id": item["id"], "error": failure[:500]}) + "\n")
                        out.flush()
                        continue
                for item in task["evals"]:
                    try:
                        summary = current.get(item["key"]) or known[item["key"]]
                        record = {"id": item["id"], **verdict(summary, [known[k] for k in item["history"]])}
                    except Exception as error:
                        record = {
                            "id": item["id"],
                            "error": f"{type(error).__name__}: {error}"[:500],
                            "trace": traceback.format_exc(limit=3)[-800:],
                        }
                    out.write(json.dumps(record) + "\n")
                out.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
