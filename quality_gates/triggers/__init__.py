"""Triggers: what a deferred gate waits for in Airflow's triggerer, without holding a worker slot."""
