"""Drift gate on 1M reference × 1M current rows × 50 columns, and false alarms on clean data.

1. Time, same frames, same process (Evidently in its own venv, its report timed inside it):
   * the gate with a stored reference: read the reference profile from the results store
     (SQLite) and compare the current frame with it;
   * the gate recomputing from raw reference data: profile the 1M reference rows, then compare;
   * Evidently 0.7's ``DataDriftPreset`` report on the same two frames;
   * per-column scipy tests on the raw data (``ks_2samp``, ``chi2_contingency``), the usual
     hand-written baseline.
2. False alarms: how many of the 50 columns each method flags on clean data at 10k, 100k and 1M
   rows per side, in two flavours: (a) a random split (both sides drawn from one distribution),
   (b) "clean in practice": shifts far too small to matter (means by 0.02 standard deviations,
   category shares by half a percentage point), as between two ordinary days of real data.
3. Detection: 5 of the 50 columns really drift (100k rows): how many each method finds.

Evidently needs minutes for one 1M-row report, so it runs at 1M on the random split only (that
report is also its timing); at 10k and 100k on every scenario.

Evidently's venv: ``QG_EVIDENTLY_VENV`` (default ``/work/.venv-evidently``), made on first use
with ``evidently>=0.7,<0.8`` and ``pandas<3``. Without it (no network), the table says so and the
scipy baseline remains.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import markdown_table, median_seconds, write_results

ROWS = 1_000_000
SIZES = (10_000, 100_000, 1_000_000)
NUMERIC, CATEGORICAL = 35, 15
DRIFTED = ("num_00", "num_01", "num_07", "cat_00", "num_04")  # the detection scenario's real drifts
EVIDENTLY_VENV = Path(os.environ.get("QG_EVIDENTLY_VENV", "/work/.venv-evidently"))
EVIDENTLY_PACKAGES = ["evidently>=0.7,<0.8", "pandas>=2.2,<3", "pyarrow"]
WORKER = Path(__file__).resolve().parent / "evidently_worker.py"
CARDINALITIES = (3, 5, 10, 30, 200)


def features(rows: int, seed: int, scenario: str = "clean") -> pd.DataFrame:
    """35 numeric columns (normal, lognormal, gamma, small integers, uniform with 5% nulls) and
    15 categorical ones (3 to 200 categories, Zipf-like shares)."""
    rng = np.random.default_rng(seed)
    tiny = scenario == "tiny"
    columns: dict[str, object] = {}
    for i in range(NUMERIC):
        name = f"num_{i:02d}"
        kind = i % 5
        shift = 0.02 if tiny else 0.0  # in standard deviations
        if kind == 0:
            values = rng.normal(10 + i, 1 + i % 3, rows) + shift * (1 + i % 3)
        elif kind == 1:
            values = rng.lognormal(1.0 + shift, 0.8, rows)
        elif kind == 2:
            values = rng.gamma(2.0, 3.0, rows) + shift * 4.2
        elif kind == 3:
            values = rng.binomial(20, 0.3 + shift * 0.02, rows).astype("float64")
        else:
            values = rng.uniform(0, 100, rows) + shift * 29
            values[rng.random(rows) < 0.05] = np.nan
        columns[name] = values
    for j in range(CATEGORICAL):
        k = CARDINALITIES[j % len(CARDINALITIES)]
        shares = 1.0 / np.arange(1, k + 1)
        shares /= shares.sum()
        if tiny:
            shares = np.clip(shares + np.where(np.arange(k) % 2, 0.005, -0.005) * (shares > 0.01), 1e-6, None)
            shares /= shares.sum()
        labels = np.array([f"c{j}_{v}" for v in range(k)], dtype=object)
        columns[f"cat_{j:02d}"] = labels[rng.choice(k, rows, p=shares)]
    frame = pd.DataFrame(columns)
    if scenario == "drift":
        frame["num_00"] += 0.5 * 1  # half a standard deviation
        frame["num_01"] = frame["num_01"] * 1.5
        frame["num_07"] += 0.5 * 4.2
        top = frame["cat_00"] == "c0_0"
        frame.loc[top & (rng.random(rows) < 0.4), "cat_00"] = "c0_2"
        frame.loc[rng.random(rows) < 0.25, "num_04"] = np.nan
    return frame


# -- the methods ---------------------------------------------------------------------------


def ours_flags(reference: pd.DataFrame, current: pd.DataFrame) -> list[str]:
    from quality_gates.checks.drift import compare_with_reference
    from quality_gates.checks.profiles.reference import profile_reference

    return list(compare_with_reference(profile_reference(reference), current).drifted_columns)


def scipy_flags(reference: pd.DataFrame, current: pd.DataFrame, alpha: float = 0.05) -> list[str]:
    """Per column: two-sample KS (numeric) or chi-square (categorical), p < alpha, no correction."""
    from scipy import stats

    flagged = []
    for name in reference.columns:
        a, b = reference[name].dropna(), current[name].dropna()
        if name.startswith("num_"):
            p = stats.ks_2samp(a.to_numpy(), b.to_numpy()).pvalue
        else:
            table = pd.concat([a.value_counts(), b.value_counts()], axis=1).fillna(0).to_numpy().T
            p = stats.chi2_contingency(table)[1]
        if p < alpha:
            flagged.append(name)
    return flagged


def ensure_evidently_venv(venv: Path = EVIDENTLY_VENV) -> Path | None:
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import evidently, pandas; assert evidently.__version__.startswith('0.7') and pandas.__version__ < '3'"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *EVIDENTLY_PACKAGES], check=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as error:
        print(f"Evidently could not be installed ({error}); comparing with scipy only", file=sys.stderr)
        return None
    return python if subprocess.run(probe, capture_output=True).returncode == 0 else None


def run_evidently(python: Path, workdir: Path, files: dict[str, Path], jobs: list[dict], frame: pd.DataFrame) -> list[dict]:
    spec = {
        "numerical": [c for c in frame.columns if c.startswith("num_")],
        "categorical": [c for c in frame.columns if c.startswith("cat_")],
        "jobs": [{"reference": str(files[j["reference"]]), "current": str(files[j["current"]]), "rows": j["rows"]} for j in jobs],
    }
    spec_path = workdir / "evidently_jobs.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    out, err = workdir / "evidently_out.jsonl", workdir / "evidently_err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:  # files, so that progress can be followed
        code = subprocess.run([str(python), str(WORKER), str(spec_path)], stdout=stdout, stderr=stderr).returncode
    if code != 0:
        print(err.read_text()[-3000:], file=sys.stderr)
    return [json.loads(line) for line in out.read_text().splitlines() if line.startswith("{")]


# -- the benchmark -------------------------------------------------------------------------


def main() -> str:
    from quality_gates.checks.drift import compare_with_reference
    from quality_gates.checks.profiles.reference import profile_reference, reference_to_json
    from quality_gates.store.repository import ResultStore

    started = time.perf_counter()
    frames = {
        "reference": features(ROWS, 1),
        "clean": features(ROWS, 2),
        "tiny": features(ROWS, 3, "tiny"),
        "drift": features(100_000, 4, "drift"),
    }
    reference, current = frames["reference"], frames["clean"]
    with tempfile.TemporaryDirectory(prefix="qg-drift-bench-") as tmp:
        workdir = Path(tmp)
        # 1. Time at 1M × 1M × 50.
        store = ResultStore.open(f"sqlite:///{workdir / 'store.db'}")
        profile_start = time.perf_counter()
        profile = profile_reference(reference)
        profile_seconds = time.perf_counter() - profile_start
        store.references.save("bench_features", "v1", profile)
        document_kb = len(json.dumps(reference_to_json(profile))) / 1024

        def stored() -> None:
            compare_with_reference(store.references.get("bench_features", "v1"), current)

        def recomputed() -> None:
            compare_with_reference(profile_reference(reference), current)

        stored_seconds = median_seconds(stored, repeats=3)
        raw_seconds = median_seconds(recomputed, repeats=2, warmup=0)
        scipy_start = time.perf_counter()
        scipy_1m = scipy_flags(reference, current)
        scipy_seconds = time.perf_counter() - scipy_start
        # CPU seconds too: the machine is shared, and wall clock then says more about neighbours.
        cpu = {
            name: _cpu_seconds(fn)
            for name, fn in (("stored", stored), ("raw", recomputed), ("scipy", lambda: scipy_flags(reference, current)))
        }

        # 2 and 3. Flags of each method on every scenario and size.
        cases = [(scenario, rows) for scenario in ("clean", "tiny") for rows in SIZES] + [("drift", 100_000)]
        ours = {(s, n): ours_flags(reference.head(n), frames[s].head(n)) for s, n in cases}
        scipy = {(s, n): (scipy_1m if (s, n) == ("clean", ROWS) else scipy_flags(reference.head(n), frames[s].head(n))) for s, n in cases}
        evidently: dict[tuple[str, int], dict] = {}
        python = ensure_evidently_venv()
        if python is not None:
            files = {}
            for name, frame in frames.items():
                files[name] = workdir / f"{name}.parquet"
                frame.to_parquet(files[name], index=False)
            # Evidently takes minutes per 1M-row report: it runs at 1M on the random split only.
            evidently_cases = [(s, n) for s, n in cases if n < ROWS or s == "clean"]
            jobs = [{"reference": "reference", "current": s, "rows": n} for s, n in evidently_cases]
            for result, (s, n) in zip(run_evidently(python, workdir, files, jobs, reference), evidently_cases):
                evidently[(s, n)] = result
    return report(
        profile_seconds,
        stored_seconds,
        raw_seconds,
        scipy_seconds,
        cpu,
        document_kb,
        cases,
        ours,
        scipy,
        evidently,
        time.perf_counter() - started,
    )


def _cpu_seconds(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def report(profile_seconds, stored_seconds, raw_seconds, scipy_seconds, cpu, document_kb, cases, ours, scipy, evidently, elapsed) -> str:
    evidently_1m = evidently.get(("clean", ROWS))
    base_wall, base_cpu = stored_seconds, cpu["stored"]

    def row(label, wall, cpu_seconds):
        if wall is None:
            return [label, "n/a", "n/a", "n/a"]
        ratio = f"{cpu_seconds / base_cpu:.1f}×" if cpu_seconds is not None else "n/a"
        return [label, f"{wall:.2f}", f"{cpu_seconds:.2f}" if cpu_seconds is not None else "n/a", f"{wall / base_wall:.1f}× / {ratio}"]

    timing_rows = [
        row("drift gate, stored reference (read profile + compare)", stored_seconds, cpu["stored"]),
        row("drift gate, recomputing from raw reference data", raw_seconds, cpu["raw"]),
        row(
            "Evidently 0.7 DataDriftPreset report" if evidently_1m else "Evidently (not installed)",
            evidently_1m["seconds"] if evidently_1m else None,
            evidently_1m.get("cpu_seconds") if evidently_1m else None,
        ),
        row("scipy per-column tests (ks_2samp, chi2_contingency)", scipy_seconds, cpu["scipy"]),
    ]
    timing = markdown_table(["1M reference × 1M current × 50 columns", "wall s", "CPU s", "vs stored reference (wall / CPU)"], timing_rows)
    words = {"clean": "random split", "tiny": "negligible shifts", "drift": "5 columns drift"}
    flag_rows = []
    for s, n in cases:
        ev = evidently.get((s, n))
        row = [words[s], f"{n:,}", _count(ours[(s, n)], s), _count(ev["drifted"], s) if ev else "not run", _count(scipy[(s, n)], s)]
        flag_rows.append(row)
    flags = markdown_table(["clean data", "rows per side", "this gate", "Evidently 0.7 (defaults)", "scipy tests, p < 0.05"], flag_rows)
    methods = ", ".join(sorted({m for r in evidently.values() for m in r.get("methods", [])})) or "n/a"
    text = (
        f"{timing}\n\nProfiling the 1M-row reference once (at training): {profile_seconds:.2f} s; the stored profile "
        f"of 50 columns is {document_kb:,.0f} KB of JSON.\n\n"
        f"Columns flagged out of 50 (for '5 columns drift', found of the 5 that drift + others flagged):\n\n{flags}\n\n"
        f"Evidently's methods chosen by its defaults: {methods}. Benchmark run time: {elapsed:.0f} s."
    )
    raw = {
        "cpu_seconds": cpu,
        "stored_seconds": stored_seconds,
        "raw_seconds": raw_seconds,
        "profile_seconds": profile_seconds,
        "scipy_seconds": scipy_seconds,
        "evidently_seconds": evidently_1m["seconds"] if evidently_1m else None,
        "document_kb": document_kb,
        "flags": {
            f"{s}@{n}": {"ours": ours[(s, n)], "scipy": scipy[(s, n)], "evidently": evidently.get((s, n), {}).get("drifted")}
            for s, n in cases
        },
    }
    write_results("drift", "Drift gate: stored reference vs raw recomputation vs Evidently; false alarms", text, raw)
    return text


def _count(flagged: list[str], scenario: str) -> str:
    if scenario != "drift":
        return str(len(flagged))
    found = len(set(flagged) & set(DRIFTED))
    return f"{found} of 5 + {len(set(flagged) - set(DRIFTED))}"


if __name__ == "__main__":
    print(main())
