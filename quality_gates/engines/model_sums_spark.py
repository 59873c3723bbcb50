"""The model gate's sums computed by Spark: the statements of ``model_sums_sql`` run as Spark SQL
over the DataFrame (a temporary view); only the small tables of sums are collected."""

from __future__ import annotations

import sqlalchemy as sa

from quality_gates.checks.model_metrics.evaluate import Evaluation
from quality_gates.checks.model_metrics.grouped import evaluation_from_sums
from quality_gates.checks.model_metrics.spec import EvaluationSpec
from quality_gates.engines.computation import SparkFrame
from quality_gates.engines.model_sums_sql import model_sums
from quality_gates.engines.spark import _run
from quality_gates.engines.spark_sql import SparkSqlConnection, temp_view

FLOAT_TYPES = ("DoubleType", "FloatType")


def evaluate_spark(computation: SparkFrame, spec: EvaluationSpec) -> Evaluation:
    frame = computation.frame

    def sums():
        fields = frame.schema.fields
        view = sa.table(temp_view(frame, "qg_model"), *(sa.column(f.name) for f in fields))
        floats = {f.name for f in fields if type(f.dataType).__name__ in FLOAT_TYPES}
        connection = SparkSqlConnection(frame.sparkSession)
        run = lambda query: connection.execute(query).rows
        return model_sums(run, view, {f.name: view.c[f.name] for f in fields}, floats, spec, connection.dialect.name)

    return evaluation_from_sums(_run(computation, sums), spec)
