"""The pages show drift, skew, reference-profile, model and serving gates by what they measured:
culprits with their distances and thresholds, differing rows, metrics with intervals against the
bar, label coverage. Results are recorded with the details those gates write."""

from __future__ import annotations

import re

from tests.ui.conftest import READABLE_DAG, auth, seed_run

PREFIX = "/quality-gates"
REFERENCE = "reference 'trip_features' version 'v1'"


def _checks():
    from quality_gates.checks.results import CheckResult, Severity, Status

    return CheckResult, Severity, Status


def _drift_checks():
    CheckResult, Severity, Status = _checks()

    def measure(method, name, statistic, threshold, drifted, status):
        text = f"distance_km: {method} {statistic}; {'exceeds' if drifted else 'within'} the threshold {threshold}"
        return CheckResult(
            name,
            "distance_km",
            status,
            Severity.ERROR,
            f"{statistic:.4g}",
            f"<= {threshold:g}",
            {
                "method": method,
                "statistic": statistic,
                "threshold": threshold,
                "p_value": None,
                "p_value_adjusted": 1e-9 if method == "ks" else None,
                "alpha": 0.05 if method == "ks" else None,
                "voting": True,
                "drifted": drifted,
                "reference": REFERENCE,
                "explanation": text,
                "message": text,
            },
        )

    summary = "Drift against reference 'trip_features' version 'v1': distance_km (wasserstein 0.5575 > 0.1)"
    return [
        measure("ks", "drift_ks", 0.2623, 0.1, True, Status.FAILED),
        measure("wasserstein", "drift_wasserstein", 0.5575, 0.1, True, Status.FAILED),
        measure("psi", "drift_psi", 0.01, 0.2, False, Status.PASSED),
        CheckResult(
            "dataset_drift",
            None,
            Status.FAILED,
            Severity.ERROR,
            "20.0% of compared columns drifted (1 of 5)",
            "<= 0% of columns",
            {
                "drift_share": 0.2,
                "max_drift_share": 0.0,
                "compared_columns": 5,
                "drifted_columns": ["distance_km"],
                "culprits": [{"column": "distance_km", "method": "wasserstein", "statistic": 0.5575, "threshold": 0.1, "weight": 1.0}],
                "reference": REFERENCE,
                "explanation": summary,
                "message": summary,
            },
        ),
    ]


def test_drift_gate_names_culprit_columns_with_each_distance_and_threshold(client, tokens, ui_store):
    seed_run(ui_store, READABLE_DAG, task_id="check_drift", gate="drift", dataset="trip_features", checks=_drift_checks())
    html = client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/run_1/tasks/check_drift", headers=auth(tokens, "viewer")).text
    assert "drift gate" in html
    culprits = html[html.index('data-testid="qg-culprits"') : html.index('data-testid="qg-checks-table"')]
    assert re.findall(r'data-testid="qg-culprit-column"[^>]*>([^<]+)<', culprits) == ["distance_km"]
    assert 'data-testid="qg-culprit-reason">ks 0.2623 &gt; threshold 0.1; wasserstein 0.5575 &gt; threshold 0.1</span>' in culprits
    assert "psi" not in culprits.split("qg-explanations")[0]  # psi stayed within its threshold: not a reason
    # Each measurement row: distance against threshold, adjusted p where there is one.
    assert "ks <strong>0.2623</strong> &gt; threshold 0.1" in html and "BH-adjusted p 1e-09 (α 0.05)" in html
    assert "psi <strong>0.01</strong> ≤ threshold 0.2" in html
    # dataset_drift's culprits are a table, not a dumped dict.
    table = html[html.index('data-testid="qg-detail-culprits"') :]
    assert "<th>column</th><th>method</th><th>statistic</th><th>threshold</th><th>weight</th>" in table
    assert "{&#39;column&#39;" not in html and "{'column'" not in html
    # The drift gate does not offer baseline actions of an anomaly gate's partition.
    assert 'data-testid="qg-partition"' not in html
    api = client.get(f"{PREFIX}/api/dags/{READABLE_DAG}/runs/run_1/tasks/check_drift", headers=auth(tokens, "viewer")).json()
    assert api["culprits"] == ["distance_km"]
    assert api["culprit_reasons"][0]["reason"].startswith("ks 0.2623 > threshold 0.1")


def test_skew_gate_shows_share_of_differing_rows_and_examples(client, tokens, ui_store):
    CheckResult, Severity, Status = _checks()
    feature = "distance_km: 100.0% of 3 joined rows differ between training and serving (threshold 1.0%)"
    checks = [
        CheckResult(
            "feature_skew",
            "distance_km",
            Status.FAILED,
            Severity.ERROR,
            "100.0% of 3 rows differ",
            "<= 1.0% of rows",
            {
                "method": "keyed_mismatch_share",
                "statistic": 1.0,
                "threshold": 0.01,
                "mismatched_rows": 3,
                "compared_rows": 3,
                "examples": [{"key": "t-1", "training": 9.48, "serving": 5.89}, {"key": "<b>t-2</b>", "training": 5.8, "serving": 3.6}],
                "rtol": 1e-6,
                "atol": 1e-9,
                "explanation": feature,
                "message": feature,
            },
        ),
        CheckResult(
            "training_serving_skew",
            None,
            Status.FAILED,
            Severity.ERROR,
            "1 of 2 features skewed",
            "0 features skewed",
            {
                "skewed_features": ["distance_km"],
                "compared_features": 2,
                "joined_rows": 3,
                "explanation": "Training/serving skew on 3 joined rows: distance_km",
                "message": "Training/serving skew on 3 joined rows: distance_km",
            },
        ),
    ]
    seed_run(ui_store, READABLE_DAG, task_id="check_skew", gate="skew", dataset="trip_features", checks=checks)
    html = client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/run_1/tasks/check_skew", headers=auth(tokens, "viewer")).text
    assert "training/serving skew gate" in html
    assert 'data-testid="qg-culprit-reason">100.0% of 3 joined rows differ (threshold 1.0%)</span>' in html
    assert "<strong>100.00%</strong> of rows differ &gt; threshold 1.00%" in html
    examples = html[html.index('data-testid="qg-examples"') :]
    assert "<th>key</th><th>training</th><th>serving</th>" in examples
    assert "<code>9.48</code></td><td><code>5.89</code>" in examples
    assert "&lt;b&gt;t-2&lt;/b&gt;" in examples and "<b>t-2</b>" not in html
    assert html.count(feature) == 2  # in the culprit card and the row, once each (not again as "message")


def _metric(metric, slice_, value, low, high, bar, verdict, status, rows=1000, source="threshold"):
    CheckResult, Severity, Status = _checks()
    text = f"{metric} {slice_}: {verdict}"
    return CheckResult(
        metric,
        None if slice_ == "overall" else slice_,
        Status(status),
        Severity.ERROR,
        f"{value} [{low}, {high}]",
        f"≥ {bar} ({source})",
        {
            "kind": "model_metric",
            "metric": metric,
            "slice": slice_,
            "value": value,
            "ci_low": low,
            "ci_high": high,
            "confidence": 0.95,
            "n": rows,
            "direction": "higher is better",
            "verdict": verdict,
            "baseline": bar,
            "baseline_source": source,
            "bar": bar,
            "explanation": text,
            "message": text,
        },
    )


def test_model_gate_shows_each_metric_and_slice_with_interval_against_the_bar(client, tokens, ui_store):
    checks = [
        _metric("roc_auc", "overall", 0.7068, 0.6819, 0.7317, 0.8, "regressed", "failed", rows=1999),
        _metric("roc_auc", "channel=web", 0.79, 0.7, 0.88, 0.8, "inconclusive", "warned", rows=581),
        _metric("roc_auc", "channel=kiosk", 0.9, None, None, 0.8, "not judged", "warned", rows=12),
        _metric("recall", "overall", 0.55, 0.5, 0.59, 0.45, "passed", "passed"),
    ]
    seed_run(ui_store, READABLE_DAG, task_id="gate_model", gate="model_metric", dataset="trip_duration_model", checks=checks)
    html = client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/run_1/tasks/gate_model", headers=auth(tokens, "viewer")).text
    assert "model metric gate" in html
    rows = re.findall(r'data-testid="qg-metric-row" data-metric="(\w+)" data-slice="([^"]+)" data-verdict="([^"]+)"', html)
    assert rows == [
        ("recall", "overall", "passed"),
        ("roc_auc", "overall", "regressed"),
        ("roc_auc", "channel=kiosk", "not judged"),
        ("roc_auc", "channel=web", "inconclusive"),
    ]
    row = html[html.index('data-metric="roc_auc" data-slice="overall"') : html.index('data-metric="roc_auc" data-slice="channel=kiosk"')]
    assert "0.7068" in row and "0.6819 – 0.7317" in row and "(95%)" in row and "≥ 0.8" in row and "1,999" in row
    assert 'class="qg-interval qg-failed"' in row and 'class="qg-ci" style="left:' in row and 'class="qg-bar" style="left:' in row
    kiosk = html[
        html.index('data-metric="roc_auc" data-slice="channel=kiosk"') : html.index('data-metric="roc_auc" data-slice="channel=web"')
    ]
    assert 'class="qg-ci"' not in kiosk and ">none<" in kiosk  # no interval from 12 rows: none drawn, none claimed
    warning = html[html.index('data-testid="qg-unjudged"') :]
    assert "1 inconclusive, 1 not judged:" in warning[:200]
    assert "neither pass nor block" in warning
    api = client.get(f"{PREFIX}/api/dags/{READABLE_DAG}/runs/run_1/tasks/gate_model", headers=auth(tokens, "viewer")).json()
    overall = next(m for m in api["metrics"] if m["metric"] == "roc_auc" and m["slice"] == "overall")
    # The whole interval lies below the bar, and the drawing says so.
    assert overall["ci_high_at"] < overall["bar_at"] and overall["ci_low_at"] < overall["value_at"] < overall["ci_high_at"]
    # The overall row of the checks table says "overall", not "(dataset)".
    check_row = html[html.index('data-check="roc_auc" data-column=""') :]
    assert check_row.index("overall") < check_row.index("</tr>")


def test_serving_gate_says_insufficient_labels_with_coverage_delay_and_balance(client, tokens, ui_store):
    CheckResult, Severity, Status = _checks()
    kind = "serving_evaluation"
    why = (
        "insufficient labels: only 69.3% labelled (1,387 of 2,000 predictions in [2024-06-05, 2024-06-06) have a label; minimum 90%). "
        "Labels that arrive first are a biased subset, so no metric is judged until more arrive."
    )
    checks = [
        CheckResult(
            "label_coverage",
            None,
            Status.WARNED,
            Severity.WARN,
            "69.3%",
            "≥ 90%",
            {
                "kind": kind,
                "verdict": "insufficient labels",
                "coverage": 0.6935,
                "labelled": 1387,
                "predictions": 2000,
                "unjudged_metrics": {"roc_auc@overall": 0.8942, "recall@channel=app": 0.5945},
                "explanation": why,
                "message": why,
            },
        ),
        CheckResult(
            "prediction_volume",
            None,
            Status.PASSED,
            Severity.WARN,
            "2,000 predictions",
            "predictions in the window",
            {"kind": kind, "predictions": 2000, "explanation": "2,000 predictions logged", "message": "2,000 predictions logged"},
        ),
        CheckResult(
            "label_delay",
            None,
            Status.PASSED,
            Severity.WARN,
            "mean 5.7 h",
            "reported",
            {
                "kind": kind,
                "histogram": {"≤ 1 h": 77, "≤ 6 h": 799, "≤ 1 day": 510, "≤ 3 days": 1},
                "mean_seconds": 20520.0,
                "max_seconds": 87120.0,
                "explanation": "labels arrived 5.7 h after",
                "message": "labels arrived 5.7 h after",
            },
        ),
        CheckResult(
            "class_balance",
            "label",
            Status.PASSED,
            Severity.WARN,
            "0 71%, 1 29%",
            "reported",
            {
                "kind": kind,
                "labels": {"0": 0.7058, "1": 0.2942},
                "predicted": {"0": 0.776, "1": 0.224},
                "predicted_labelled": {"0": 0.7844, "1": 0.2156},
                "explanation": "labels: 0 71%, 1 29%",
                "message": "labels: 0 71%, 1 29%",
            },
        ),
    ]
    seed_run(
        ui_store,
        READABLE_DAG,
        task_id="evaluate_serving",
        gate="serving_metric",
        dataset="served_predictions",
        checks=checks,
        status="warned",
    )
    html = client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/run_1/tasks/evaluate_serving", headers=auth(tokens, "viewer")).text
    assert "serving metric gate" in html
    labels = html[html.index('data-testid="qg-labels"') : html.index('data-testid="qg-checks-table"')]
    assert 'data-insufficient="true"' in labels
    assert "<strong>Insufficient labels: no metric was judged.</strong> only 69.3% labelled (1,387 of 2,000" in labels
    assert re.search(r'data-testid="qg-label-coverage">69.35% <span class="qg-muted">\(1,387 labelled; needs ≥ 90%\)', labels)
    assert "mean 5.7 h, max 24.2 h" in labels and "≤ 1 h: 77" in labels
    assert re.search(
        r"<code>0</code></td><td class=\"qg-num\">70.58%</td><td class=\"qg-num\">77.60%</td><td class=\"qg-num\">78.44%</td>", labels
    )
    assert "roc_auc on overall = 0.8942" in labels and "recall on channel=app = 0.5945" in labels
    assert 'data-testid="qg-metrics"' not in html  # nothing judged, no metrics table
    # The label_delay histogram in the check's details is a key/value list, not a JSON dump.
    assert "<dt>≤ 6 h</dt><dd>799</dd>" in html


def test_reference_profile_run_shows_its_version(client, tokens, ui_store):
    CheckResult, Severity, Status = _checks()
    checks = [
        CheckResult(
            "reference_profiled",
            "distance_km",
            Status.PASSED,
            Severity.WARN,
            "20,000 values",
            "values to profile",
            {
                "kind": "numeric",
                "dtype": "float64",
                "null_fraction": 0.0,
                "explanation": "distance_km: histogram of 20,000 values",
                "message": "distance_km: histogram of 20,000 values",
            },
        )
    ]
    seed_run(
        ui_store,
        READABLE_DAG,
        task_id="profile_features",
        gate="reference",
        dataset="trip_features",
        partition="v1",
        checks=checks,
        status="passed",
    )
    html = client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/run_1/tasks/profile_features", headers=auth(tokens, "viewer")).text
    assert "reference profile gate" in html and "<dt>Version</dt>" in html and ">v1</dd>" in html
    assert "distance_km: histogram of 20,000 values" in html and "float64" in html


def test_overview_and_dag_tab_name_new_gate_kinds_and_what_they_observed(client, tokens, ui_store):
    seed_run(ui_store, READABLE_DAG, task_id="check_drift", gate="drift", dataset="trip_features", checks=_drift_checks())
    seed_run(
        ui_store,
        READABLE_DAG,
        task_id="gate_model",
        gate="model_metric",
        dataset="trip_duration_model",
        checks=[_metric("roc_auc", "overall", 0.7068, 0.6819, 0.7317, 0.8, "regressed", "failed")],
    )
    overview = client.get(f"{PREFIX}/", headers=auth(tokens, "viewer")).text
    assert "drift · try 1" in overview and "model metric · try 1" in overview
    assert 'distance_km: drift_ks <span class="qg-muted">failed · 0.2623 vs &lt;= 0.1</span>' in overview
    assert 'roc_auc <span class="qg-muted">failed · 0.7068 [0.6819, 0.7317] vs ≥ 0.8</span>' in overview
    dag = client.get(f"{PREFIX}/dags/{READABLE_DAG}", headers=auth(tokens, "viewer")).text
    assert 'check_drift<span class="qg-muted"> drift ·' in dag and 'gate_model<span class="qg-muted"> model metric ·' in dag


def test_dataset_page_of_a_dataset_without_partition_profiles_says_why(client, tokens, ui_store):
    seed_run(
        ui_store,
        READABLE_DAG,
        task_id="gate_model",
        gate="model_metric",
        dataset="trip_duration_model",
        checks=[_metric("roc_auc", "overall", 0.7068, 0.6819, 0.7317, 0.8, "regressed", "failed")],
    )
    seed_run(
        ui_store, READABLE_DAG, task_id="check_drift", gate="drift", dataset="trip_duration_model", run_id="run_2", checks=_drift_checks()
    )
    page = client.get(f"{PREFIX}/dataset", params={"dataset": "trip_duration_model"}, headers=auth(tokens, "viewer"))
    assert page.status_code == 200, page.text
    html = page.text
    assert "No partition profiles for trip_duration_model" in html
    assert "It is checked by drift, model metric gate(s)" in html and 'data-testid="qg-dataset-runs"' in html
    assert 'data-testid="qg-charts"' not in html and "Flagged and marked partitions" not in html
    api = client.get(f"{PREFIX}/api/dataset", params={"dataset": "trip_duration_model"}, headers=auth(tokens, "viewer"))
    assert api.status_code == 200 and api.json()["partitions"] == [] and api.json()["columns"] == []
