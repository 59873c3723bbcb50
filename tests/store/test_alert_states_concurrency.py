"""Alert decisions racing for a gate that has no alert state yet (mapped tasks failing together)."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

from quality_gates.checks.results import Status
from quality_gates.store.alerts import ALERT, SUPPRESS
from quality_gates.store.repository import ResultStore

RACERS = 8


def _decide(url: str, gate_run_id: int, barrier) -> str:
    store = ResultStore.open(url)
    barrier.wait()
    return store.alert_states.decide("mapped_dag", "gate", "orders", Status.FAILED, gate_run_id).action


def _assert_one_alert(store: ResultStore, actions: list[str]) -> None:
    assert sorted(actions) == [ALERT] + [SUPPRESS] * (RACERS - 1)
    assert store.alert_states.suppressed("mapped_dag", "gate", "orders") == RACERS - 1


def test_threads_deciding_at_once_for_a_new_gate_alert_exactly_once(store, store_url):
    barrier = threading.Barrier(RACERS)
    with ThreadPoolExecutor(RACERS) as pool:
        actions = list(pool.map(lambda i: _decide(store_url, i, barrier), range(1, RACERS + 1)))
    _assert_one_alert(store, actions)


def test_processes_deciding_at_once_for_a_new_gate_alert_exactly_once(store, store_url):
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(RACERS)
        with context.Pool(RACERS) as pool:
            actions = pool.starmap(_decide, [(store_url, i, barrier) for i in range(1, RACERS + 1)])
    _assert_one_alert(store, actions)
