#!/usr/bin/env bash
# One formatting pass over the whole repository: sort imports, then `ruff format`.
# Run by the lead on main once every branch is merged (a repo-wide rewrite on a branch would
# conflict with every other branch); afterwards `make lint` passes `ruff format --check`.
set -euo pipefail
cd "$(dirname "$0")/.."
RUFF="${RUFF:-.venv/bin/ruff}"
"$RUFF" check --select I --fix .
"$RUFF" format .
"$RUFF" check .
