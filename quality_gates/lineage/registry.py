"""A gate run's lineage facts, kept in the worker process for the OpenLineage listener.

The listener asks the operator for facets after the task has finished, in the same process (or a
fork of it). A round trip through XCom from there would need the supervisor, which a forked
listener must not use, so the facts are handed over in memory, keyed by the task instance's id
(never on the operator, which dag.test() and mapped tasks reuse). A task runner runs one task;
the bound only matters for processes that run many (dag.test()).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from quality_gates.lineage.facts import GateLineageFacts

MAX_KEPT = 256

_facts: OrderedDict[Any, GateLineageFacts] = OrderedDict()
_lock = threading.Lock()


def keep(task_instance_id: Any, facts: GateLineageFacts) -> None:
    with _lock:
        _facts[task_instance_id] = facts
        _facts.move_to_end(task_instance_id)
        while len(_facts) > MAX_KEPT:
            _facts.popitem(last=False)


def lookup(task_instance_id: Any) -> GateLineageFacts | None:
    with _lock:
        return _facts.get(task_instance_id)
