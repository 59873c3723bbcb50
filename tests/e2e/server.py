"""A real ``airflow api-server`` in a private AIRFLOW_HOME, for the browser tests.

The home gets its own SQLite metadata DB, the simple auth manager with known passwords, the
DAGs of tests/dags and a results store filled by real ``dag.test()`` runs (tests/e2e/seed_results.py).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "tests" / "dags"
# username -> (role, password). The simple auth manager's roles: viewer, user, op, admin.
USERS = {"admin": ("admin", "admin"), "viewer": ("viewer", "viewer"), "restricted": ("user", "restricted")}
# SimpleAuthManager, except that "restricted" may not read DAG "ui_secret" (the UI's route tests use it too).
AUTH_MANAGER = "tests.ui.restricted_auth.RestrictedAuthManager"
START_TIMEOUT = 90  # seconds; the server is usually up in under 10


class ServerError(RuntimeError):
    """The api-server or a setup step failed; the message carries the end of its log."""


class AirflowApiServer:
    def __init__(self, home: Path):
        self.home = home
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = home / "api-server.log"
        self.seeded: dict = {}
        self.timings: dict[str, float] = {}  # seconds per setup step, for the test log
        self._process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__AUTH_MANAGER": AUTH_MANAGER,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{u}:{role}" for u, (role, _) in USERS.items()),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__API_AUTH__JWT_SECRET": "e2e-tests-only-secret",
            "AIRFLOW__API__BASE_URL": self.base_url,
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "AIRFLOW_CONN_QUALITY_GATES_DEFAULT": f"sqlite:///{home / 'quality_gates.db'}",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }

    def start(self) -> None:
        """Migrate the metadata DB, start the server, seed results with real DAG runs, wait for health.

        The server boots (about 10 s) while the DAG runs are seeded: it reads the results store per
        request, so what is seeded shows without a restart.
        """
        (self.home / "passwords.json").write_text(json.dumps({u: pw for u, (_, pw) in USERS.items()}))
        self._step("db-migrate", [sys.executable, "-m", "airflow", "db", "migrate"])
        started = time.monotonic()
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "airflow", "api-server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
                cwd=self.home,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends the server and its workers
            )
        seeded_path = self.home / "seeded.json"
        self._step("seed", [sys.executable, "-m", "tests.e2e.seed_results", str(seeded_path)])
        self.seeded = json.loads(seeded_path.read_text())
        deadline = started + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerError(f"airflow api-server exited with {self._process.returncode}:\n{self.log_tail()}")
            if self._healthy():
                self.timings["api-server up after"] = time.monotonic() - started
                return
            time.sleep(0.5)
        raise ServerError(f"airflow api-server did not answer within {START_TIMEOUT} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()

    def token(self, username: str) -> str:
        """A JWT from the server's own token endpoint, as an API client gets one."""
        body = json.dumps({"username": username, "password": USERS[username][1]}).encode()
        request = urllib.request.Request(f"{self.base_url}/auth/token", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["access_token"]

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/api/v2/monitor/health", timeout=2) as response:
                return json.loads(response.read())["metadatabase"]["status"] == "healthy"
        except (OSError, urllib.error.URLError, ValueError, KeyError):
            return False

    def _step(self, name: str, command: list[str]) -> None:
        log_path = self.home / f"{name}.log"
        start = time.monotonic()
        with open(log_path, "wb") as log:
            done = subprocess.run(command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, timeout=180)
        self.timings[name] = time.monotonic() - start
        if done.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
            raise ServerError(f"{' '.join(command[1:4])} failed ({done.returncode}), log {log_path}:\n{tail}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
