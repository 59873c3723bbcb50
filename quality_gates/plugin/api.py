"""The JSON API: everything the pages show, under ``/quality-gates/api``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from quality_gates.plugin import security, service
from quality_gates.plugin.deps import ResultsStore, base_url, parse_time
from quality_gates.plugin.schemas import (
    BaselineStatusIn,
    DagGridOut,
    DatasetOut,
    GateRunDetailOut,
    GateRunPageOut,
    PartitionOut,
    SeriesOut,
)

router = APIRouter(prefix="/api", tags=["quality gates"], dependencies=[security.authenticated])


@router.get("/gate-runs", summary="Recent gate runs of the DAGs you may read, failing first")
def list_gate_runs(
    request: Request,
    user: security.CurrentUser,
    store: ResultsStore,
    dag_id: str | None = None,
    dataset: str | None = None,
    status: Annotated[list[str] | None, Query(description="passed, warned, failed, error; repeat for several")] = None,
    since: Annotated[str | None, Query(description="ISO date or datetime (UTC unless an offset is given)")] = None,
    until: Annotated[str | None, Query(description="ISO date or datetime, exclusive")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: int = 50,
) -> GateRunPageOut:
    return service.gate_runs(
        store,
        user,
        base_url(request),
        dag_id=dag_id,
        dataset=dataset,
        statuses=status,
        since=parse_time("since", since),
        until=parse_time("until", until),
        cursor=cursor,
        limit=limit,
    )


@router.get("/gate-runs/{gate_run_id}", summary="One gate run with all its checks")
def get_gate_run(request: Request, gate_run_id: int, user: security.CurrentUser, store: ResultsStore) -> GateRunDetailOut:
    return service.gate_run_detail(store, user, base_url(request), gate_run_id)


@router.get(
    "/dags/{dag_id}/runs/{run_id}/tasks/{task_id}",
    summary="The gate run of one task instance (latest try unless try_number is given)",
    dependencies=[security.can_read_task_instances],
)
def get_task_gate_run(
    request: Request,
    dag_id: str,
    run_id: str,
    task_id: str,
    user: security.CurrentUser,
    store: ResultsStore,
    map_index: int = -1,
    try_number: int | None = None,
) -> GateRunDetailOut:
    return service.task_detail(store, user, base_url(request), dag_id, run_id, task_id, map_index, try_number)


@router.get("/dags/{dag_id}/grid", summary="A DAG's gates over its recent runs", dependencies=[security.can_read_dag_runs])
def get_dag_grid(
    request: Request,
    dag_id: str,
    store: ResultsStore,
    runs: int = 25,
    before: Annotated[str | None, Query(description="older_cursor of the previous answer")] = None,
) -> DagGridOut:
    return service.dag_grid(store, base_url(request), dag_id, runs, parse_time("before", before))


@router.get("/dags", summary="DAGs you may read that have gate runs")
def list_dags(user: security.CurrentUser, store: ResultsStore) -> list[str]:
    return service.gated_dags(store, user)


@router.get("/datasets", summary="Datasets with results you may read")
def list_datasets(user: security.CurrentUser, store: ResultsStore) -> list[str]:
    return service.datasets(store, user)


# The two large answers (every partition of a dataset) are serialised once, not validated again by FastAPI.
@router.get("/dataset", summary="A dataset's profiled partitions and columns", response_model=DatasetOut)
def get_dataset(request: Request, dataset: str, user: security.CurrentUser, store: ResultsStore) -> Response:
    return _json(service.dataset_detail(store, user, base_url(request), dataset))


@router.get("/dataset/series", summary="Every metric of one column over the partitions, with the baseline band", response_model=SeriesOut)
def get_series(request: Request, dataset: str, column: str, user: security.CurrentUser, store: ResultsStore) -> Response:
    return _json(service.series(store, user, base_url(request), dataset, column))


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


@router.post(
    "/dataset/baseline-status",
    summary="Mark a flagged partition a false alarm (it rejoins the baseline) or confirmed bad (it never does)",
    dependencies=[security.SameOrigin],
)
def post_baseline_status(request: Request, change: BaselineStatusIn, user: security.CurrentUser, store: ResultsStore) -> PartitionOut:
    return service.set_baseline_status(store, user, base_url(request), change)
