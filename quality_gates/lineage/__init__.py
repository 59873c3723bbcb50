"""OpenLineage for gates: data-quality facets built from the one result model.

Everything here is optional: without the ``apache-airflow-providers-openlineage`` package (extra
``[openlineage]``), or with OpenLineage disabled, gates build nothing and import nothing of it.
"""

from __future__ import annotations

import importlib.util
from functools import cache


@cache
def lineage_enabled() -> bool:
    """Whether the OpenLineage provider is installed and configured to emit (its own rule)."""
    if importlib.util.find_spec("airflow.providers.openlineage") is None:
        return False
    try:
        from airflow.providers.openlineage import conf
    except ImportError:
        return False
    return not conf.is_disabled()
