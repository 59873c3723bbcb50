"""Data-quality gates for Apache Airflow.

Import operators from ``quality_gates.operators`` and sources from ``quality_gates.sources``;
this top-level module stays light so that DAG files parse fast.
"""

__version__ = "0.1.0"
