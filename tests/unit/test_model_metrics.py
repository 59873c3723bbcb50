"""Model metrics agree with scikit-learn; intervals are reproducible and honest; bad input is named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from quality_gates.checks.model_metrics import EvaluationDataError, EvaluationSpec, MetricDefinitionError, evaluate_frame
from quality_gates.checks.model_metrics.findings import findings_check_results
from quality_gates.checks.model_metrics.judge import PRODUCTION, THRESHOLD, Baseline, judge_estimate


def _values(evaluation, slice_key="overall"):
    return {e.metric: e.value for e in evaluation.estimates if e.slice == slice_key}


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(3)
    n = 5000
    label = (rng.random(n) < 0.3).astype(int)
    score = np.clip(0.3 + 0.3 * (label - 0.3) + rng.normal(0, 0.2, n), 0, 1).round(3)  # rounded: ties
    return pd.DataFrame({"label": label, "score": score, "predicted": (score >= 0.5).astype(int), "segment": rng.choice(["a", "b"], n)})


def test_binary_metrics_match_scikit_learn_overall_and_per_slice(binary):
    evaluation = evaluate_frame(binary, EvaluationSpec("classification", "label", "predicted", "score", ("segment",), resamples=200))
    for key, rows in [("overall", binary), ("segment=a", binary[binary.segment == "a"]), ("segment=b", binary[binary.segment == "b"])]:
        got = _values(evaluation, key)
        y, p, s = rows.label, rows.predicted, rows.score
        assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, p), abs=1e-12)
        assert got["precision"] == pytest.approx(skm.precision_score(y, p), abs=1e-12)
        assert got["recall"] == pytest.approx(skm.recall_score(y, p), abs=1e-12)
        assert got["f1"] == pytest.approx(skm.f1_score(y, p), abs=1e-12)
        assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
        assert got["log_loss"] == pytest.approx(skm.log_loss(y, s), abs=1e-12)


def test_score_only_classifier_uses_the_decision_threshold(binary):
    evaluation = evaluate_frame(
        binary, EvaluationSpec("classification", "label", score_column="score", decision_threshold=0.4, resamples=50)
    )
    assert _values(evaluation)["recall"] == pytest.approx(skm.recall_score(binary.label, binary.score >= 0.4))


def test_multiclass_metrics_are_macro_averages_like_scikit_learn():
    rng = np.random.default_rng(5)
    label = rng.choice(["cat", "dog", "eel"], 2000, p=[0.5, 0.3, 0.2])
    predicted = np.where(rng.random(2000) < 0.7, label, rng.choice(["cat", "dog", "eel"], 2000))
    got = _values(evaluate_frame(pd.DataFrame({"y": label, "p": predicted}), EvaluationSpec("classification", "y", "p", resamples=50)))
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(label, predicted))
    for name, fn in [("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)]:
        assert got[name] == pytest.approx(fn(label, predicted, average="macro"))
    assert "roc_auc" not in got


def test_regression_metrics_match_scikit_learn():
    rng = np.random.default_rng(9)
    y = rng.gamma(2.0, 3.0, 3000)
    p = y + rng.normal(0.5, 1.5, 3000)
    got = _values(evaluate_frame(pd.DataFrame({"y": y, "p": p}), EvaluationSpec("regression", "y", "p", resamples=50)))
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y, p))
    assert got["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)))
    assert got["r2"] == pytest.approx(skm.r2_score(y, p))


def test_intervals_are_reproducible_cover_the_estimate_and_shrink_with_more_rows(binary):
    spec = EvaluationSpec("classification", "label", "predicted", "score", resamples=300, seed=11)
    first, second = evaluate_frame(binary, spec), evaluate_frame(binary, spec)
    assert first.estimates == second.estimates
    small = evaluate_frame(binary.iloc[:200], spec)
    for big, little in zip(first.estimates, small.estimates):
        assert big.ci_low <= big.value <= big.ci_high
        assert (big.ci_high - big.ci_low) < (little.ci_high - little.ci_low)


def test_bootstrap_interval_has_roughly_nominal_width_for_accuracy():
    # Accuracy is a proportion: its 95% interval is about ±1.96·sqrt(p(1-p)/n).
    rng = np.random.default_rng(1)
    correct = rng.random(20_000) < 0.8
    frame = pd.DataFrame({"y": np.ones(20_000, int), "p": correct.astype(int)})
    estimate = evaluate_frame(frame, EvaluationSpec("classification", "y", "p", metrics=("accuracy",))).estimates[0]
    expected_half = 1.96 * np.sqrt(0.8 * 0.2 / 20_000)
    assert (estimate.ci_high - estimate.ci_low) / 2 == pytest.approx(expected_half, rel=0.15)


def test_no_rows_is_an_evaluation_error():
    with pytest.raises(EvaluationDataError, match="the evaluation data has no rows: there is nothing to judge the model on"):
        evaluate_frame(pd.DataFrame({"y": [], "p": []}), EvaluationSpec("regression", "y", "p"))


def test_a_missing_column_is_named():
    with pytest.raises(EvaluationDataError, match=r"column\(s\) 'prediction' not in the evaluation data \(columns: y, p\)"):
        evaluate_frame(pd.DataFrame({"y": [1.0], "p": [1.0]}), EvaluationSpec("regression", "y", "prediction"))


def test_labels_with_a_class_the_model_never_predicts_are_reported():
    frame = pd.DataFrame({"y": ["a"] * 40 + ["b"] * 40 + ["c"] * 20, "p": ["a"] * 40 + ["b"] * 60})
    spec = EvaluationSpec("classification", "y", "p", resamples=50)
    evaluation = evaluate_frame(frame, spec)
    assert evaluation.findings.unpredicted_classes == {"c": 20}
    assert _values(evaluation)["recall"] == pytest.approx(skm.recall_score(frame.y, frame.p, average="macro"))
    [check] = findings_check_results(evaluation.findings, spec)
    assert (check.check_name, check.status, check.column) == ("unpredicted_class", "warned", "y")
    assert check.details["explanation"] == (
        "label class 'c' (20 rows) is never predicted by the model: its recall is 0 and its precision counts as 0 in the averages."
    )


def test_nan_predictions_are_counted_and_left_out_of_the_metrics():
    frame = pd.DataFrame({"id": ["r1", "r2", "r3", "r4"], "y": [1.0, 2.0, 3.0, 4.0], "p": [1.0, np.nan, 3.5, np.inf]})
    spec = EvaluationSpec("regression", "y", "p", id_column="id", resamples=20)
    evaluation = evaluate_frame(frame, spec)
    assert (evaluation.findings.missing_predictions, evaluation.findings.missing_prediction_examples) == (2, ("r2", "r4"))
    assert _values(evaluation)["mae"] == pytest.approx(0.25)
    [check] = findings_check_results(evaluation.findings, spec)
    assert check.status == "failed" and check.details["explanation"].startswith(
        "2 of 4 labelled rows have no prediction (NaN or empty in 'p'; ids in 'id': r2, r4)"
    )


def test_only_nan_predictions_is_an_evaluation_error():
    with pytest.raises(EvaluationDataError, match=r"has 2 rows but no labelled row has a prediction \('y', 'p'\)"):
        evaluate_frame(pd.DataFrame({"y": [1.0, 2.0], "p": [np.nan, np.nan]}), EvaluationSpec("regression", "y", "p"))


def test_duplicate_prediction_ids_fail_naming_examples():
    frame = pd.DataFrame({"id": [1, 2, 2, 3, 3, 3], "y": [1.0] * 6, "p": [1.0] * 6})
    spec = EvaluationSpec("regression", "y", "p", id_column="id", resamples=20)
    findings = evaluate_frame(frame, spec).findings
    [check] = findings_check_results(findings, spec)
    assert check.check_name == "duplicate_prediction_ids" and check.status == "failed"
    assert check.details["explanation"].startswith("2 prediction ids appear more than once in 'id' (e.g. 2, 3)")


def test_a_slice_with_a_single_row_is_reported_not_judged():
    frame = pd.DataFrame({"y": [1.0] * 50 + [9.0], "p": [1.1] * 50 + [1.0], "zone": ["A"] * 50 + ["B"]})
    evaluation = evaluate_frame(frame, EvaluationSpec("regression", "y", "p", slice_columns=("zone",), metrics=("mae",), resamples=50))
    single = next(e for e in evaluation.estimates if e.slice == "zone=B")
    assert (single.rows, single.value) == (1, 8.0)
    check = judge_estimate(single, Baseline(0.5, THRESHOLD, "threshold"), tolerance=0, min_rows=30, confidence=0.95)
    assert (check.status, check.column, check.details["verdict"]) == ("warned", "zone=B", "not judged")
    assert check.details["explanation"] == (
        "mae on slice zone=B: not judged, only 1 rows (fewer than min_slice_rows=30); "
        "an interval from so few rows can neither clear nor block the model. Observed 8."
    )


def test_judging_rule_fails_passes_or_is_inconclusive_by_the_interval():
    from quality_gates.checks.model_metrics import MetricEstimate

    production = Baseline(0.80, PRODUCTION, "production model v1")

    def verdict(low, value, high, rows=1000):
        estimate = MetricEstimate("roc_auc", "overall", value, low, high, rows, "delong")
        return judge_estimate(estimate, production, tolerance=0.02, min_rows=30, confidence=0.95)

    assert verdict(0.70, 0.72, 0.78).status == "failed"  # whole interval below 0.784
    assert verdict(0.79, 0.80, 0.81).status == "passed"  # whole interval above 0.784
    wide = verdict(0.70, 0.78, 0.86)
    assert wide.status == "warned" and wide.details["verdict"] == "inconclusive"
    assert "too few rows to tell a regression from chance" in wide.details["explanation"]
    assert verdict(0.70, 0.72, 0.78).details["bar"] == pytest.approx(0.784)


def test_metric_and_task_mismatches_are_configuration_errors():
    with pytest.raises(MetricDefinitionError, match="metric 'mae' is for regression, not classification"):
        evaluate_frame(pd.DataFrame({"y": [1], "p": [1]}), EvaluationSpec("classification", "y", "p", metrics=("mae",)))
    with pytest.raises(MetricDefinitionError, match="metric 'roc_auc' needs a score"):
        evaluate_frame(pd.DataFrame({"y": [1], "p": [1]}), EvaluationSpec("classification", "y", "p", metrics=("roc_auc",)))
    with pytest.raises(MetricDefinitionError, match=r"positive_label 1 is not one of the classes \('no', 'yes'\)"):
        evaluate_frame(pd.DataFrame({"y": ["yes", "no"], "p": ["yes", "yes"]}), EvaluationSpec("classification", "y", "p"))
