"""The HTML pages: Jinja2 templates over the same data as the JSON API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from quality_gates.checks.results import GateKind
from quality_gates.plugin import gate_views, security, service
from quality_gates.plugin.deps import ResultsStore, base_url, int_or, parse_time
from quality_gates.store.browse import COUNT_CAP, STATUS_ORDER

TEMPLATES = Path(__file__).parent / "templates"
# Scripts only from this app (no inline code, no CDN); Plotly sets inline styles; no framing by other sites.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'"
)

router = APIRouter(include_in_schema=False, dependencies=[security.authenticated])


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda value: value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""
    env.filters["pct"] = _percent
    env.filters["duration"] = lambda run: f"{(run.finished_at - run.started_at).total_seconds():.1f} s"
    env.filters["pretty"] = lambda value: json.dumps(value, indent=2, sort_keys=True, default=str)
    env.filters["count"] = lambda value: f"{value:,}" if isinstance(value, int) else ("" if value is None else value)
    env.filters["gate_label"] = gate_views.gate_label
    env.filters["num"] = _number
    env.filters["columns_of"] = _columns_of
    env.filters["capped"] = lambda n: f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"
    env.globals["gate_kinds"] = GateKind
    return env


def _number(value: Any) -> Any:
    """Floats with 4 significant digits (recorded details keep full precision); the rest as is."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


# Columns of a table of recorded rows (examples, culprits): identifying ones first, whatever order the
# store kept the keys in (PostgreSQL's JSONB sorts them by length).
LEADING_COLUMNS = ("column", "key", "slice", "method", "statistic", "threshold", "training", "serving", "rows")


def _columns_of(items: list[dict]) -> list[str]:
    keys = list(dict.fromkeys(k for item in items for k in item))
    return sorted(keys, key=lambda k: (LEADING_COLUMNS.index(k) if k in LEADING_COLUMNS else len(LEADING_COLUMNS), keys.index(k)))


def _percent(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return ""
    return f"{value:.2%}" if value >= 0.0001 or value == 0 else f"{value:.2e}"


_env = _environment()


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    base = base_url(request)
    body = _env.get_template(template).render(
        base=base,
        statuses=STATUS_ORDER,
        **values,
    )
    response = HTMLResponse(body, status_code=status_code)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    user: security.CurrentUser,
    store: ResultsStore,
    dag_id: str | None = None,
    dataset: str | None = None,
    status: Annotated[list[str] | None, Query()] = None,
    since: str | None = None,
    until: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> HTMLResponse:
    statuses = [s for s in status or [] if s]
    page = service.gate_runs(
        store,
        user,
        base_url(request),
        dag_id=dag_id,
        dataset=dataset,
        statuses=statuses,
        since=parse_time("since", since),
        until=parse_time("until", until),
        cursor=cursor,
        limit=limit,
    )
    filters = {
        "dag_id": dag_id or "",
        "dataset": dataset or "",
        "status": statuses,
        "since": since or "",
        "until": until or "",
        "limit": limit,
        "cursor": cursor or "",
    }
    return render(
        request,
        "overview.html",
        page=page,
        filters=filters,
        datasets=service.datasets(store, user),
        dag_ids=service.gated_dags(store, user),
    )


@router.get("/dags/{dag_id}", response_class=HTMLResponse, dependencies=[security.can_read_dag_runs])
def dag_tab(request: Request, dag_id: str, store: ResultsStore, runs: int = 25, before: str | None = None) -> HTMLResponse:
    grid = service.dag_grid(store, base_url(request), dag_id, runs, parse_time("before", before))
    return render(request, "dag.html", grid=grid, runs_shown=runs, before=before)


@router.get("/dags/{dag_id}/runs/{run_id}/tasks/{task_id}", response_class=HTMLResponse, dependencies=[security.can_read_task_instances])
def task_tab(
    request: Request,
    dag_id: str,
    run_id: str,
    task_id: str,
    user: security.CurrentUser,
    store: ResultsStore,
    map_index: str | None = None,
    try_number: str | None = None,
) -> HTMLResponse:
    chosen_try = int_or(try_number, 0) or None
    detail = service.task_detail(store, user, base_url(request), dag_id, run_id, task_id, int_or(map_index, -1), chosen_try)
    return render(request, "task.html", d=detail)


@router.get("/gate-runs/{gate_run_id}")
def gate_run(request: Request, gate_run_id: int, user: security.CurrentUser, store: ResultsStore) -> RedirectResponse:
    return RedirectResponse(service.gate_run_page_url(store, user, base_url(request), gate_run_id), status_code=303)


@router.get("/dataset", response_class=HTMLResponse)
def dataset_page(
    request: Request, dataset: str, user: security.CurrentUser, store: ResultsStore, column: str | None = None
) -> HTMLResponse:
    base = base_url(request)
    partitions = service.visible_partitions(store, user, dataset)  # one query (and one permission check) for all
    columns = service.dataset_columns(store, dataset, partitions)
    chosen = column or _default_column(columns)
    series = service.series(store, user, base, dataset, chosen, partitions) if chosen else None
    flagged = service.partition_outs(user, base, dataset, [p for p in reversed(partitions) if p.baseline_status != "included"])
    gate_kinds = [] if partitions else service.dataset_gate_kinds(store, user, dataset)
    return render(
        request,
        "dataset.html",
        dataset=dataset,
        columns=columns,
        partition_count=len(partitions),
        gate_kinds=gate_kinds,
        column=chosen,
        series=series,
        flagged=flagged,
        series_json=script_json(series.model_dump_json()) if series else "null",
    )


def script_json(text: str) -> str:
    """JSON safe inside <script type="application/json">: no "</script>" or "<!--" can close it."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _default_column(columns: list[str]) -> str | None:
    """The first column that is not the partition-level "*", else "*"."""
    named = [c for c in columns if c != "*"]
    return named[0] if named else (columns[0] if columns else None)


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status_code, code=status_code, message=message)
