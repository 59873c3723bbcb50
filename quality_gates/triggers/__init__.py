"""Triggers of deferrable gates: they run in Airflow's triggerer, not in a worker slot."""
