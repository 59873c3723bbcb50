"""Refuse NUL characters in URLs before any handler sees them.

No dataset, DAG, task or column name can hold one, and PostgreSQL refuses them in text parameters
(`A string literal cannot contain NUL`), which would otherwise surface as a 500.
"""

from __future__ import annotations

from fastapi import HTTPException, Request, status

NUL = "\x00"


def reject_nul_characters(request: Request) -> None:
    """An app-wide dependency: 400 naming the part of the URL that holds the NUL."""
    if NUL in request.scope.get("path", ""):
        _refuse("path")
    for name, value in request.query_params.multi_items():
        if NUL in name:
            _refuse(f"query parameter name {name!r}")
        if NUL in value:
            _refuse(f"query parameter {name!r}")


def _refuse(where: str) -> None:
    raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{where} contains a NUL character, which no dataset, DAG or column name can hold")
