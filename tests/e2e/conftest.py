"""Browser tests: one real api-server and one headless Chromium (the OS package) per test session.

`make test` installs Chromium (scripts/ensure_chromium.sh) and runs these tests on one xdist worker
(`--dist loadgroup`), so one server serves them all. Screenshots go to test-artifacts/ui/; when a
test fails, the server's logs and a screenshot of the failing page go to test-artifacts/ui/failures/.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.server import REPO, USERS, AirflowApiServer

CHROMIUM = Path(os.environ.get("QG_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = REPO / "test-artifacts" / "ui"
FAILURES = ARTIFACTS / "failures"
FAILED_KEY = pytest.StashKey[bool]()
HOSTILE_STATUS = "<script>alert(1)</script>"  # the failure case e2e_orders records (tests/dags/ui_e2e_dags.py)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.xdist_group("e2e_browser"))  # one server, one worker


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.session.stash[FAILED_KEY] = True
        FAILURES.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(getattr(item, "e2e_pages", [])):
            if not page.is_closed():
                with contextlib.suppress(Exception):  # a crashed page must not hide the test's own error
                    page.screenshot(path=str(FAILURES / f"{item.name}-{number}.png"), full_page=True)
    return report


@pytest.fixture(scope="session")
def airflow_server(tmp_path_factory, request):
    """A seeded `airflow api-server` on a free port; its logs are kept when a test fails."""
    shutil.rmtree(FAILURES, ignore_errors=True)  # what is there belongs to an earlier session
    server = AirflowApiServer(tmp_path_factory.mktemp("e2e-airflow-home"))
    try:
        server.start()
        print(f"e2e api-server at {server.base_url}: " + ", ".join(f"{k} {v:.1f} s" for k, v in server.timings.items()))
        yield server
    except Exception:
        request.session.stash[FAILED_KEY] = True
        raise
    finally:
        server.stop()
        if request.session.stash.get(FAILED_KEY, False):
            FAILURES.mkdir(parents=True, exist_ok=True)
            for log in server.home.glob("*.log"):
                shutil.copy(log, FAILURES / log.name)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make test` (scripts/ensure_chromium.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root; --disable-dev-shm-usage: containers often have a tiny /dev/shm.
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


def sign_in(page, server: AirflowApiServer, username: str) -> None:
    """Sign in through Airflow's own login page, as a person does."""
    page.goto(f"{server.base_url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(USERS[username][1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.base_url}/")


@pytest.fixture(scope="session")
def signed_in_state(browser, airflow_server, tmp_path_factory):
    """Per user, the browser state (the `_token` cookie) of a signed-in session.

    admin signs in through Airflow's login page; the other users get the cookie that page would
    set, with a token from the server's own /auth/token endpoint (saves a login page load each).
    """
    states: dict[str, Path] = {}

    def state_for(username: str) -> Path:
        if username not in states:
            context = browser.new_context()
            if username == "admin":
                sign_in(context.new_page(), airflow_server, username)
            else:
                context.add_cookies([{"name": "_token", "value": airflow_server.token(username), "url": airflow_server.base_url}])
            states[username] = tmp_path_factory.mktemp("browser-state") / f"{username}.json"
            context.storage_state(path=str(states[username]))
            context.close()
        return states[username]

    return state_for


@pytest.fixture
def page_as(browser, signed_in_state, request):
    """Open a new signed-in page as one of the e2e users (tests.e2e.server.USERS)."""
    contexts = []
    request.node.e2e_pages = []  # screenshotted by pytest_runtest_makereport when the test fails

    def open_page(username: str):
        context = browser.new_context(storage_state=str(signed_in_state(username)), viewport={"width": 1400, "height": 900})
        contexts.append(context)
        new_page = context.new_page()
        new_page.set_default_timeout(15_000)
        request.node.e2e_pages.append(new_page)
        return new_page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(page_as):
    """A page signed in as admin (screenshotted into test-artifacts/ui/failures/ when its test fails)."""
    return page_as("admin")


@pytest.fixture
def screenshot():
    """Save a screenshot of a page under test-artifacts/ui/<name>.png."""

    def save(page, name: str, **kwargs) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), **kwargs)
        return path

    return save
