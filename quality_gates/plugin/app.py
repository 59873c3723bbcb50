"""The FastAPI app Airflow mounts at ``/quality-gates``: pages, JSON API, static assets."""

from __future__ import annotations

from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response

from quality_gates import __version__
from quality_gates.plugin import api, pages, security
from quality_gates.plugin.request_guard import reject_nul_characters

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"qg.css": "text/css", "qg.js": "text/javascript", "icon.svg": "image/svg+xml", "icon-dark.svg": "image/svg+xml"}


@asynccontextmanager
async def _lifespan(app: FastAPI):
    # Airflow's filter dependencies read the auth manager from the app they run in.
    from airflow.api_fastapi.app import get_auth_manager

    try:
        app.state.auth_manager = get_auth_manager()
    except RuntimeError:  # not initialised: every route answers 401/500 through the security helpers
        pass
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="Airflow Quality Gates",
        version=__version__,
        description="Results of data-quality gates: gate runs, checks, partition profiles and baseline marks. "
        "Every route needs an Airflow user (the UI's `_token` cookie or `Authorization: Bearer <token>` from "
        "`POST /auth/token`); results of a DAG are visible to users who may read that DAG.",
        lifespan=_lifespan,
        # Airflow's own docs routes would be unauthenticated here: the document is served below, behind auth.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(reject_nul_characters)],
    )
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.get("/api/openapi.json", include_in_schema=False, dependencies=[security.authenticated])
    def openapi_document() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/static/{name}", include_in_schema=False, dependencies=[security.authenticated])
    def static_file(name: str) -> Response:
        if name not in STATIC_FILES:
            raise HTTPException(404, f"no static file {name!r}")
        return FileResponse(STATIC / name, media_type=STATIC_FILES[name], headers={"Cache-Control": "private, max-age=300"})

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False, dependencies=[security.authenticated])
    def plotly_bundle() -> Response:
        return FileResponse(plotly_js(), media_type="text/javascript", headers={"Cache-Control": "private, max-age=86400"})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return _error(request, 422, problems, None, errors=exc.errors())

    return app


def _error(request: Request, status_code: int, message: str, headers, errors=None) -> Response:
    """JSON for the API, a readable page for the pages (they are shown inside Airflow)."""
    if request.url.path.startswith(f"{request.scope.get('root_path', '')}/api") or "text/html" not in request.headers.get("accept", ""):
        body = {"detail": errors if errors is not None else message}
        return JSONResponse(body, status_code=status_code, headers=headers)
    response = pages.error_page(request, status_code, message)
    if headers:
        response.headers.update(headers)
    return response


@cache
def plotly_js() -> Path:
    """plotly.js as shipped inside the installed ``plotly`` package: charts never need a CDN."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise HTTPException(500, "the plotly package is not installed: pip install plotly")
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise HTTPException(500, f"plotly.js not found in the plotly package at {path}")
    return path
