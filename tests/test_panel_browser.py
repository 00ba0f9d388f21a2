"""The control panel in a real browser: JupyterLab, Debian's chromium, Playwright.

The unit tests drive the panel's widgets from Python; this test checks what
only a browser can: that ``rt.ControlPanel()`` in a notebook renders with the
stock ipywidgets front end, connects to the embedded mock, takes a message
typed into its say box, and draws the reply, all without a console error.

It starts JupyterLab on 127.0.0.1 (a random token, a port the OS picks) in a
temporary directory holding a one-cell notebook, with Jupyter's and IPython's
config, runtime and data directories inside that directory too (the venv's
kernelspec and lab extensions stay reachable: they live under ``sys.prefix``).
Nothing reaches the network: no API key is passed on (so the panel targets the
mock), the lab's news and update checks are off, and the browser aborts, and
records, any request not for the local server.

The browser is Debian's ``/usr/bin/chromium``, which ``make test`` installs with
apt when it is missing; Playwright never downloads one. A screenshot of the
panel is saved to ``test-artifacts/panel.png``.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest
from playwright.sync_api import (
    ConsoleMessage,
    Page,
    Route,
    ViewportSize,
    expect,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
NOTEBOOK = "panel.ipynb"
MESSAGE = "Hello from the browser test!"
STARTUP_TIMEOUT = 30.0  # seconds for JupyterLab to answer /api/status
STEP_TIMEOUT_MS = 30_000  # each wait in the browser
VIEWPORT: ViewportSize = {"width": 1400, "height": 1000}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Front-end plugins that would reach the network or pop a toast over the page: the
# news opt-in ("Would you like to receive official Jupyter news?") and its feed.
DISABLED_PLUGINS = ["@jupyterlab/apputils-extension:announcements"]


@dataclass
class Lab:
    """A running JupyterLab: where it listens, its token, and its log file."""

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for failure messages."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Timings:
    """Wall-clock seconds per step, printed at the end (and on failure)."""

    start: float = field(default_factory=time.perf_counter)
    last: float = field(default_factory=time.perf_counter)
    steps: list[tuple[str, float]] = field(default_factory=list)

    def step(self, name: str) -> None:
        now = time.perf_counter()
        self.steps.append((name, now - self.last))
        self.last = now

    def report(self) -> str:
        parts = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.steps)
        return f"{parts}; total {time.perf_counter() - self.start:.1f}s"


def _notebook(path: Path) -> None:
    """The notebook a user would write: import, make the panel, show it."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(
        "import realtime_nb as rt\n\npanel = rt.ControlPanel()\npanel")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, path)


def _environment(root: Path) -> dict[str, str]:
    """The server's (and so the kernel's) environment: isolated dirs, no API keys."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("OPENAI_", "AZURE_OPENAI_", "JUPYTER_", "JPY_"))}
    for name, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                      ("JUPYTER_DATA_DIR", "data"), ("IPYTHONDIR", "ipython")):
        (root / sub).mkdir()
        env[name] = str(root / sub)
    labconfig = root / "config" / "labconfig"
    labconfig.mkdir()
    (labconfig / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": dict.fromkeys(DISABLED_PLUGINS, True)}))
    return env


def _server_info(runtime: Path, pid: int) -> dict[str, Any] | None:
    """The ``jpserver-<pid>.json`` the server writes once it listens (its port)."""
    path = runtime / f"jpserver-{pid}.json"
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def _status_ok(url: str, token: str) -> bool:
    """Whether the server answers an authenticated request (it is ready for the browser)."""
    request = urllib.request.Request(f"{url}api/status",
                                     headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:  # refused, reset, or an HTTP error status
        return False


def _shutdown(lab: Lab) -> None:
    """Ask the server to stop (it shuts its kernels down first); force it if it will not."""
    if lab.process.poll() is None:
        if not lab.url:  # it never said where it listens: a signal is all it can get
            lab.process.terminate()
        else:
            request = urllib.request.Request(f"{lab.url}api/shutdown", method="POST", data=b"",
                                             headers={"Authorization": f"token {lab.token}"})
            try:
                urllib.request.urlopen(request, timeout=5).close()
            except OSError:  # URLError and HTTPError are OSErrors
                lab.process.terminate()
    try:
        lab.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        lab.process.kill()
        lab.process.wait(timeout=5)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a temporary directory with the panel notebook; stopped after."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: this test drives Debian's chromium. `make test` "
                    "installs it (apt-get install chromium); run it, or install that package.")
    root = tmp_path_factory.mktemp("lab")
    work = root / "work"
    work.mkdir()
    _notebook(work / NOTEBOOK)
    env = _environment(root)
    token = secrets.token_hex(24)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0",  # the OS picks a free port
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
        # No network: no news feed, no update check, no PyPI listing of extensions.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run the cells by command
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=work, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    lab_ = Lab("", token, work, log, process)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {process.returncode}:\n{lab_.log_tail()}")
            info = _server_info(root / "runtime", process.pid)
            if info is not None and _status_ok(info["url"], token):
                lab_.url = str(info["url"])
                break
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within {STARTUP_TIMEOUT} s:\n"
                            f"{lab_.log_tail()}")
            time.sleep(0.1)
        yield lab_
    finally:
        _shutdown(lab_)


def _kernel_idle(page: Page) -> None:
    """Wait until the open notebook's kernel is started and idle."""
    page.wait_for_function(
        """() => {
            const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            const kernel = widget && widget.sessionContext && widget.sessionContext.session
                && widget.sessionContext.session.kernel;
            return Boolean(kernel) && kernel.status === 'idle';
        }""", timeout=STEP_TIMEOUT_MS)


def _drive(page: Page, lab: Lab, timings: Timings, screenshot: Path) -> None:
    """Open the notebook, run it, wait for the panel; say something; see the reply."""
    page.goto(f"{lab.url}lab/tree/{NOTEBOOK}?token={lab.token}")
    _kernel_idle(page)
    timings.step("lab and kernel")

    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    panel = page.locator(".rtnb-panel")
    # The panel, or the traceback of a cell that failed (said at once, not after a timeout).
    traceback = page.locator(".jp-OutputArea-output[data-mime-type="
                             "'application/vnd.jupyter.stderr']")
    panel.or_(traceback).first.wait_for()
    if traceback.count():
        pytest.fail(f"the notebook's cell failed:\n{traceback.first.inner_text()}")
    expect(panel).to_be_visible()
    # Full match: the light says "not connected" until the session is open.
    expect(panel.locator(".rtnb-status")).to_have_text("connected")
    timings.step("panel connected")

    log_lines = panel.locator(".rtnb-log-lines")
    conversation = panel.locator(".rtnb-conversation")
    expect(log_lines).to_contain_text("session.created")
    expect(log_lines).not_to_contain_text("response.done")  # nothing said yet
    expect(conversation).not_to_contain_text(MESSAGE)

    panel.locator(".rtnb-say-text input").fill(MESSAGE)
    panel.locator(".rtnb-say-send").click()
    expect(log_lines).to_contain_text("response.done")
    user = conversation.locator(".rtnb-role-user")
    assistant = conversation.locator(".rtnb-role-assistant")
    expect(user.filter(has_text=MESSAGE)).to_have_count(1)
    expect(assistant).to_have_count(1)
    # The mock's reply quotes the message; its transcript is drawn as it streams.
    expect(assistant).to_contain_text(MESSAGE)
    timings.step("say and reply")

    # The panel is taller than a screen: grow the viewport to hold all of it, so that the
    # screenshot is the panel alone rather than the part of it scrolled into view.
    box = panel.bounding_box()
    assert box is not None, "the panel has no box: it is not displayed"
    page.set_viewport_size({"width": VIEWPORT["width"],
                            "height": max(VIEWPORT["height"], int(box["height"]) + 400)})
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(screenshot))
    timings.step("screenshot")


def test_panel_in_jupyterlab(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """Open the notebook, run it, say something through the panel, see the reply drawn."""
    timings = Timings()
    errors: list[str] = []
    outside: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console.error: {message.text} ({message.location})")

    def local_only(route: Route) -> None:
        if route.request.url.startswith(lab.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    screenshot = ARTIFACTS / "panel.png"
    ARTIFACTS.mkdir(exist_ok=True)
    passed = False
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(STEP_TIMEOUT_MS)
                page.on("console", on_console)
                page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
                page.route("**/*", local_only)
                timings.step("browser")
                try:
                    _drive(page, lab, timings, screenshot)
                except Exception:
                    page.screenshot(path=str(ARTIFACTS / "panel-failure.png"), full_page=True)
                    raise
            finally:
                browser.close()
        passed = True
    finally:
        with capsys.disabled():
            if passed:
                print(f"\n[panel browser test] screenshot: {screenshot}")
            else:
                print(f"\n[panel browser test] FAILED; page: {ARTIFACTS / 'panel-failure.png'}"
                      f"\nserver log:\n{lab.log_tail()}\nbrowser errors: {errors}")
            print(f"[panel browser test] {timings.report()}")
    assert outside == [], f"the page tried to reach the network: {outside}"
    assert errors == [], "browser errors:\n" + "\n".join(errors)
