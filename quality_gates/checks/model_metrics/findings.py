"""Problems in the evaluation rows themselves, as check results next to the metrics."""

from __future__ import annotations

from quality_gates.checks.model_metrics.evaluate import DataFindings
from quality_gates.checks.model_metrics.spec import EvaluationSpec
from quality_gates.checks.results import CheckKind, CheckResult, Severity, Status

KIND = CheckKind.EVALUATION_DATA


def _check(name: str, column: str | None, status: Status, observed: str, expected: str, explanation: str, **details) -> CheckResult:
    return CheckResult(
        name,
        column,
        status,
        Severity.ERROR,
        observed,
        expected,
        {"kind": KIND, **details, "explanation": explanation, "message": explanation},
    )


def findings_check_results(findings: DataFindings, spec: EvaluationSpec) -> list[CheckResult]:
    checks = []
    predicted_by = spec.prediction_column or spec.score_column
    if findings.missing_predictions:
        examples = ", ".join(findings.missing_prediction_examples)
        row_words = f"ids in '{spec.id_column}'" if spec.id_column else "row index"
        checks.append(
            _check(
                "missing_predictions",
                predicted_by,
                Status.FAILED,
                f"{findings.missing_predictions:,} rows",
                "0 rows",
                f"{findings.missing_predictions:,} of {findings.rows:,} labelled rows have no prediction (NaN or empty in "
                f"'{predicted_by}'; {row_words}: {examples}): a model that cannot predict every row must not be deployed; "
                f"metrics are computed on the other rows.",
                rows=findings.missing_predictions,
                examples=list(findings.missing_prediction_examples),
            )
        )
    if findings.duplicate_ids:
        checks.append(
            _check(
                "duplicate_prediction_ids",
                spec.id_column,
                Status.FAILED,
                f"{findings.duplicate_ids:,} ids",
                "unique ids",
                f"{findings.duplicate_ids:,} prediction ids appear more than once in '{spec.id_column}' (e.g. "
                f"{', '.join(findings.duplicate_id_examples)}): duplicated rows count twice and bias every metric.",
                ids=findings.duplicate_ids,
                examples=list(findings.duplicate_id_examples),
            )
        )
    for label_class, rows in findings.unpredicted_classes.items():
        checks.append(
            _check(
                "unpredicted_class",
                spec.label_column,
                Status.WARNED,
                f"class {label_class!r} never predicted",
                "every labelled class predicted sometimes",
                f"label class {label_class!r} ({rows:,} rows) is never predicted by the model: its recall is 0 and its precision "
                f"counts as 0 in the averages.",
                label_class=label_class,
                rows=rows,
            )
        )
    if findings.unlabelled_rows:
        checks.append(
            _check(
                "unlabelled_rows",
                spec.label_column,
                Status.PASSED,
                f"{findings.unlabelled_rows:,} rows",
                "labelled rows",
                f"{findings.unlabelled_rows:,} of {findings.rows:,} rows have no label in '{spec.label_column}' and are left out of the metrics.",
                rows=findings.unlabelled_rows,
            )
        )
    return checks
