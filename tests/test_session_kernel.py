"""The sender inside a real Jupyter kernel: top-level await, plain calls, widget callbacks, re-runs.

One ipykernel (the ``python3`` kernelspec, which runs this interpreter) serves the
whole module. Each test sends ``execute_request`` (and, for the widget, a
front end's ``comm_msg``) over the kernel's channels, exactly as a notebook
front end does, and reads what comes back on IOPub.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel

CELL_TIMEOUT = 60.0
"""Seconds a cell (or any one message) may take before the test fails."""

NOTICE = "realtime_nb: no URL and no API key given"

SETUP = '''
import asyncio
import json
import os
import threading

import realtime_nb as rt


def _rt_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:  # closed between listdir and readlink (the listing's own fd, too)
            pass
    return count


def _rt_counts() -> dict[str, int]:
    return {
        "sessions": len(rt.connection.embedded_mock().server.sessions),
        "tasks": len(asyncio.all_tasks()),
        "sockets": _rt_sockets(),
        "threads": threading.active_count(),
    }


async def _rt_settle(expected: dict[str, int] | None = None, wait: float = 5.0) -> None:
    """Print the counts once they equal `expected`, or (without it) once they stop changing.

    `wait` only bounds the polling; the test asserts on the counts, never on time.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    seen = [_rt_counts()]
    while loop.time() < deadline:
        if expected is not None and seen[-1] == expected:
            break
        if expected is None and len(seen) >= 4 and seen[-1] == seen[-2] == seen[-3] == seen[-4]:
            break
        await asyncio.sleep(0.05)
        seen.append(_rt_counts())
    print(json.dumps(seen[-1]))
'''


@dataclass
class CellResult:
    """What one request to the kernel produced."""

    status: str
    msg_id: str = ""
    """The request's id: the ``parent_header.msg_id`` of everything it produced."""
    stdout: str = ""
    stderr: str = ""
    results: list[str] = field(default_factory=list)
    """``text/plain`` of execute_result and display_data messages."""
    error: tuple[str, str] | None = None
    """(ename, evalue) of the error, if any."""
    traceback: str = ""

    def describe(self) -> str:
        return (f"status={self.status} error={self.error}\n--- stdout\n{self.stdout}"
                f"--- stderr\n{self.stderr}--- traceback\n{self.traceback}")


class Kernel:
    """A started kernel and a client, with a time-boxed request helper."""

    def __init__(self, manager: KernelManager, client: BlockingKernelClient) -> None:
        self.manager = manager
        self.client = client
        self.iopub: list[dict[str, Any]] = []
        """Every IOPub message read so far, whichever request it belongs to (see :meth:`drain`)."""

    def request(self, msg_type: str, content: dict[str, Any],
                metadata: dict[str, Any] | None = None,
                timeout: float = CELL_TIMEOUT) -> CellResult:
        """Send a shell request; collect its IOPub output until the kernel goes idle."""
        client = self.client
        msg = client.session.msg(msg_type, content, metadata=metadata or {})
        msg_id = msg["header"]["msg_id"]
        client.shell_channel.send(msg)
        deadline = time.monotonic() + timeout
        result = CellResult(status="ok", msg_id=msg_id)
        streams: dict[str, list[str]] = {"stdout": [], "stderr": []}
        while True:
            reply = self._next(client.get_iopub_msg, deadline)
            if reply is None:
                self._interrupt(msg_id)
                pytest.fail(f"{msg_type} took longer than {timeout} s: {content!r}")
            self.iopub.append(reply)
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            kind, body = reply["msg_type"], reply["content"]
            if kind == "status" and body["execution_state"] == "idle":
                break
            if kind == "stream":
                streams[body["name"]].append(body["text"])
            elif kind in ("execute_result", "display_data"):
                result.results.append(body["data"].get("text/plain", ""))
            elif kind == "error":
                result.status = "error"
                result.error = (body["ename"], body["evalue"])
                result.traceback = "\n".join(body["traceback"])
        result.stdout = "".join(streams["stdout"])
        result.stderr = "".join(streams["stderr"])
        if msg_type == "execute_request":
            while True:
                reply = self._next(client.get_shell_msg, deadline)
                if reply is None:
                    pytest.fail(f"no execute_reply within {timeout} s: {content!r}")
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            result.status = reply["content"]["status"]
            if result.status == "error" and result.error is None:
                result.error = (reply["content"]["ename"], reply["content"]["evalue"])
        return result

    def drain(self, until: Callable[[], bool], timeout: float = CELL_TIMEOUT) -> None:
        """Read IOPub messages into :attr:`iopub` until ``until()`` holds.

        For output that comes while no request runs (a handler's, between cells);
        ``timeout`` only bounds the wait: the test asserts on what arrived.
        """
        deadline = time.monotonic() + timeout
        while not until():
            message = self._next(self.client.get_iopub_msg, deadline)
            if message is None:
                pytest.fail(f"the expected output did not arrive within {timeout} s")
            self.iopub.append(message)

    @staticmethod
    def _next(get: Any, deadline: float) -> dict[str, Any] | None:
        try:
            message: dict[str, Any] = get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None
        return message

    def _interrupt(self, msg_id: str) -> None:
        """Interrupt a request that ran too long, and wait (briefly) for its end.

        So that the next test's cells are not aborted along with it.
        """
        self.manager.interrupt_kernel()
        deadline = time.monotonic() + 10.0
        while (reply := self._next(self.client.get_shell_msg, deadline)) is not None:
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        while (reply := self._next(self.client.get_iopub_msg, deadline)) is not None:
            if (reply["parent_header"].get("msg_id") == msg_id and reply["msg_type"] == "status"
                    and reply["content"]["execution_state"] == "idle"):
                break

    def execute(self, code: str, cell_id: str | None = None) -> CellResult:
        """Run a cell, as a front end does (with its ``cellId`` in the metadata if given)."""
        content = {"code": code, "silent": False, "store_history": True,
                   "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
        return self.request("execute_request", content,
                            {"cellId": cell_id} if cell_id is not None else None)

    def run(self, code: str, cell_id: str | None = None) -> CellResult:
        """Run a cell that must succeed."""
        result = self.execute(code, cell_id)
        assert result.status == "ok", f"cell failed:\n{code}\n{result.describe()}"
        return result

    def value(self, expression: str) -> Any:
        """The value of a JSON-able expression in the kernel."""
        return json.loads(self.run(f"print(json.dumps({expression}))").stdout)

    def counts(self, expected: dict[str, int] | None = None) -> dict[str, int]:
        """Open mock sessions, tasks, socket fds and threads, once settled (see ``_rt_settle``)."""
        arguments = "" if expected is None else json.dumps(expected)
        counts: dict[str, int] = json.loads(self.run(f"await _rt_settle({arguments})").stdout)
        return counts


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    # No key from the environment may send the no-URL connect() to OpenAI.
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("OPENAI_", "AZURE_OPENAI_"))}
    manager, client = start_new_kernel(kernel_name="python3", env=env,
                                       startup_timeout=CELL_TIMEOUT)
    try:
        started = Kernel(manager, client)
        started.run(SETUP)
        assert started.value("__import__('sys').executable") == sys.executable
        yield started
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)  # falls back to a kill after a wait


def test_top_level_await_and_notice(kernel: Kernel) -> None:
    opened = kernel.run("session = await rt.connect()")
    assert opened.stderr.splitlines() == [opened.stderr.strip()], opened.stderr
    assert opened.stderr.startswith(NOTICE), opened.stderr
    url = kernel.value("rt.connection.embedded_mock().url").split("?")[0]  # without ?model=
    assert f" at {url} " in opened.stderr
    assert kernel.value("session.state") == "open"

    said = kernel.run('reply = await session.say("Hello")\n'
                      'print(reply.status, reply.audio.duration_ms > 0,\n'
                      '      "Hello" in reply.text or "Hello" in reply.transcript)')
    assert said.stdout == "completed True True\n", said.describe()
    assert said.stderr == ""

    # An explicit "mock" is quiet.
    quiet = kernel.run('quiet = await rt.connect("mock")\nawait quiet.close()\nprint(quiet.state)')
    assert (quiet.stdout, quiet.stderr) == ("closed\n", "")


def test_sync_forms_inside_the_running_loop(kernel: Kernel) -> None:
    kernel.run('plain = await rt.connect("mock")')
    # No await anywhere in these cells: they run inside the kernel's running loop.
    said = kernel.run('r = plain.sync.say("Hi", output_modalities=["text"])\n'
                      'print(r.status, "Hi" in r.text, len(bytes(r.audio)))')
    assert said.stdout == "completed True 0\n", said.describe()

    sent = kernel.run("h = plain.sync.send(rt.clear_audio(), wait=True)\nprint(h.reply.type)")
    assert sent.stdout == "input_audio_buffer.cleared\n", sent.describe()

    ran = kernel.run("print(rt.run(plain.say('Again', output_modalities=['text'])).status)")
    assert ran.stdout == "completed\n", ran.describe()

    waited = kernel.run("plain.send_nowait(rt.clear_audio())\n"
                        "print(rt.run(plain.wait_for('input_audio_buffer.cleared')).type)")
    assert waited.stdout == "input_audio_buffer.cleared\n", waited.describe()

    closed = kernel.run("plain.sync.close()\nprint(plain.state)")
    assert closed.stdout == "closed\n"


def test_widget_callback_can_send(kernel: Kernel) -> None:
    kernel.run('''
import ipywidgets

clicked = await rt.connect("mock")
results = []


def on_click(_):
    results.append(clicked.sync.send(rt.clear_audio(), wait=True).reply.type)


button = ipywidgets.Button(description="Clear")
button.on_click(on_click)
''')
    clicked = kernel.run("button.click()")
    assert clicked.stderr == "", clicked.describe()
    assert kernel.value("results") == ["input_audio_buffer.cleared"]

    # The way a front end clicks: a comm message, handled outside any cell.
    model_id = kernel.value("button.model_id")
    comm = kernel.request("comm_msg", {"comm_id": model_id, "data": {
        "method": "custom", "content": {"event": "click"}}})
    assert comm.status == "ok" and comm.stderr == "", comm.describe()
    assert kernel.value("results") == ["input_audio_buffer.cleared"] * 2


def test_rerunning_a_cell_closes_the_previous_session(kernel: Kernel) -> None:
    kernel.run("made = []\nfallback = []")
    before = kernel.counts()
    cell = 's = await rt.connect("mock")\nmade.append(s)'

    kernel.run(cell, cell_id="cell-rerun")
    after_first = kernel.counts()
    assert after_first["sessions"] == before["sessions"] + 1
    for _ in range(2):
        kernel.run(cell, cell_id="cell-rerun")
    after_third = kernel.counts(after_first)

    assert kernel.value("[m.state for m in made]") == ["closed", "closed", "open"]
    assert after_third == after_first, (before, after_first, after_third)

    # Another cell with the same source is another cell: it closes nothing of this one.
    kernel.run(cell, cell_id="cell-other")
    assert kernel.value("[m.state for m in made]") == ["closed", "closed", "open", "open"]
    assert kernel.counts()["sessions"] == before["sessions"] + 2

    # Without a cellId the compiled file name (the same for the same source) identifies it.
    source = 'f = await rt.connect("mock")\nfallback.append(f)'
    kernel.run(source)
    after_fallback = kernel.counts()
    assert after_fallback["sessions"] == before["sessions"] + 3
    for _ in range(2):
        kernel.run(source)
    assert kernel.value("[f.state for f in fallback]") == ["closed", "closed", "open"]
    assert kernel.counts(after_fallback) == after_fallback

    kernel.run("for m in made + fallback:\n    await m.close()")
    assert kernel.counts(before) == before


def test_two_sessions_in_one_run_are_kept(kernel: Kernel) -> None:
    kernel.run("pairs = []")
    before = kernel.counts()
    cell = 'pair = [await rt.connect("mock") for _ in range(2)]\npairs.append(pair)'

    kernel.run(cell, cell_id="cell-pair")
    assert kernel.value("[[s.state for s in p] for p in pairs]") == [["open", "open"]]
    after_first = kernel.counts()
    assert after_first["sessions"] == before["sessions"] + 2

    kernel.run(cell, cell_id="cell-pair")
    assert kernel.value("[[s.state for s in p] for p in pairs]") == [
        ["closed", "closed"], ["open", "open"]]
    assert kernel.counts(after_first) == after_first


def test_a_helper_from_another_cell_does_not_make_cells_close_each_other(
        kernel: Kernel) -> None:
    kernel.run('async def make():\n    return await rt.connect("mock")')
    kernel.run("first = await make()")
    kernel.run("second = await make()")
    assert kernel.value("[first.state, second.state]") == ["open", "open"]
    kernel.run("earlier = second")
    kernel.run("second = await make()")  # the same cell source again: a re-run of it
    assert kernel.value("[first.state, earlier.state, second.state]") == [
        "open", "closed", "open"]
    kernel.run("await first.close(); await second.close()")


def test_an_edited_cell_still_replaces_its_session(kernel: Kernel) -> None:
    kernel.run('e = await rt.connect("mock")\nold = e', cell_id="cell-edit")
    kernel.run('print("edited")\ne = await rt.connect("mock")', cell_id="cell-edit")
    assert kernel.value("[old.state, e.state]") == ["closed", "open"]
    kernel.run("await e.close()")


def test_runs_outside_the_history_still_replace_the_session(kernel: Kernel) -> None:
    code = 'n = await rt.connect("mock")\nns = globals().setdefault("ns", []); ns.append(n)'
    content = {"code": code, "silent": False, "store_history": False}
    kernel.request("execute_request", content, {"cellId": "cell-nohistory"})
    kernel.request("execute_request", content, {"cellId": "cell-nohistory"})
    assert kernel.value("[s.state for s in ns]") == ["closed", "open"]
    kernel.run("await ns[-1].close()")


# -- where handler output goes -------------------------------------------------------------------


def printed(kernel: Kernel, prefix: str, stream: str = "stdout") -> dict[str, list[str]]:
    """The lines of ``stream`` starting with ``prefix`` read so far, by the request they came under.

    Keyed by ``parent_header.msg_id``, which is what a front end uses to choose the
    cell an output goes to. A stream message may hold several lines, or part of one.
    """
    text: dict[str, str] = {}
    for message in kernel.iopub:
        if message["msg_type"] == "stream" and message["content"]["name"] == stream:
            parent = message["parent_header"].get("msg_id", "")
            text[parent] = text.get(parent, "") + message["content"]["text"]
    return {parent: lines for parent, body in text.items()
            if (lines := [line for line in body.splitlines() if line.startswith(prefix)])}


def count(lines: dict[str, list[str]], line: str) -> int:
    """How many times ``line`` occurs, under any request."""
    return sum(found.count(line) for found in lines.values())


def test_handler_output_goes_under_the_cell_that_registered_it(kernel: Kernel) -> None:
    kernel.iopub.clear()
    kernel.run('hs = await rt.connect("mock")')
    registered = kernel.run('hs_types = []\n'
                            'hs.on("response.*", lambda e: print("H", e.type))\n'
                            '_ = hs.on("response.*", lambda e: hs_types.append(e.type))')
    said = kernel.run('print("cell 3 before")\nreply = await hs.say("Hi")\n'
                      'print("cell 3 after", reply.status)')
    assert said.stdout == "cell 3 before\ncell 3 after completed\n", said.describe()
    types = kernel.value("hs_types")
    assert len(types) >= 4 and types[-1] == "response.done", types
    # Sync handlers ran before say() returned, and the kernel flushes every parent's
    # output before it reports a request idle: everything is here already.
    assert printed(kernel, "H ") == {registered.msg_id: [f"H {kind}" for kind in types]}

    # The plain-call form: the handlers run inside the loop nest_asyncio re-enters.
    plain = kernel.run('print(hs.sync.say("Again", output_modalities=["text"]).status)')
    assert (plain.stdout, plain.stderr) == ("completed\n", ""), plain.describe()
    types = kernel.value("hs_types")
    assert types.count("response.done") == 2, types
    assert printed(kernel, "H ") == {registered.msg_id: [f"H {kind}" for kind in types]}

    # Events that arrive while no cell runs. The response is asked for only once the
    # kernel has finished this request: ipykernel holds this lock while it handles a shell
    # request, until after it has reported it idle. So all of the response comes after.
    fired = kernel.run('''
async def _rt_when_idle() -> None:
    lock = get_ipython().kernel._main_asyncio_lock
    while lock.locked():
        await asyncio.sleep(0.01)
    hs.send_nowait(rt.create_response(output_modalities=["text"]))

_rt_idle_task = asyncio.ensure_future(_rt_when_idle())
''')
    assert count(printed(kernel, "H "), "H response.done") == 2, "the response came too soon"
    kernel.drain(lambda: count(printed(kernel, "H "), "H response.done") == 3)
    types = kernel.value("hs_types")
    assert types.count("response.done") == 3, types
    assert printed(kernel, "H ") == {registered.msg_id: [f"H {kind}" for kind in types]}
    assert fired.msg_id not in printed(kernel, "")
    kernel.run("await hs.close()")


def test_a_handler_registered_where_the_session_was_made_prints_there(kernel: Kernel) -> None:
    kernel.iopub.clear()
    made = kernel.run('same = await rt.connect("mock")\nsame_types = []\n'
                      'same.on("response.*", lambda e: print("S", e.type))\n'
                      '_ = same.on("response.*", lambda e: same_types.append(e.type))')
    said = kernel.run('_ = await same.say("Hi", output_modalities=["text"])\nprint("said")')
    assert said.stdout == "said\n", said.describe()
    types = kernel.value("same_types")
    assert len(types) >= 4 and types[-1] == "response.done", types
    assert printed(kernel, "S ") == {made.msg_id: [f"S {kind}" for kind in types]}
    kernel.run("await same.close()")


def test_async_once_decorated_display_widget_and_failing_handlers_output_there_too(
        kernel: Kernel) -> None:
    kernel.iopub.clear()
    kernel.run('ah = await rt.connect("mock")')
    registered = kernel.run('''
import ipywidgets
from IPython.display import display

ah_types = []
ah_out = ipywidgets.Output()
ah_out_ids = []


@ah.on("response.*")
async def shout(event):
    await asyncio.sleep(0)  # print from the handler's task, after its call returned
    print("A", event.type)
    ah_types.append(event.type)


@ah.once("response.done")
def finished(event):
    display("D " + event.type)
    with ah_out:  # an Output widget captures by the request it finds in the context
        ah_out_ids.append(ah_out.msg_id)
        print("O", event.type)


_ = ah.on("response.done", lambda event: 1 / 0)
''')
    # wait_for still resolves, and its result prints where it is awaited.
    waited = kernel.run('said = asyncio.ensure_future(ah.say("Hi", output_modalities=["text"]))\n'
                        'done = await ah.wait_for("response.done")\nprint("W", done.type)\n'
                        '_ = await said')
    assert waited.stdout == "W response.done\n", waited.describe()
    # The async handlers' tasks may still run after the cell: wait for the last one.
    kernel.drain(lambda: count(printed(kernel, "A "), "A response.done") == 1)
    types = kernel.value("ah_types")
    assert len(types) >= 4 and types[-1] == "response.done", types
    assert printed(kernel, "A ") == {registered.msg_id: [f"A {kind}" for kind in types]}

    displayed = [(message["parent_header"].get("msg_id"), message["content"]["data"]["text/plain"])
                 for message in kernel.iopub if message["msg_type"] == "display_data"]
    assert displayed == [(registered.msg_id, "'D response.done'")]
    assert printed(kernel, "O ") == {registered.msg_id: ["O response.done"]}
    assert kernel.value("ah_out_ids") == [registered.msg_id]

    # The failing handler is recorded, and its log goes under the same cell.
    assert kernel.value("[type(e.error).__name__ for e in ah.handler_errors]") == [
        "ZeroDivisionError"]
    failed = printed(kernel, "ZeroDivisionError", stream="stderr")
    assert list(failed) == [registered.msg_id], printed(kernel, "", stream="stderr")
    kernel.run("await ah.close()")
