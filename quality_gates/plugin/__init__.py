"""Airflow plugin entry point (``airflow.plugins``). The results UI registers here."""

from airflow.plugins_manager import AirflowPlugin


class QualityGatesPlugin(AirflowPlugin):
    name = "quality_gates"
