"""``python -m realtime_nb.mock``: the URL line, the official SDK, keys, scripts, Ctrl-C.

Each test runs the real command in a subprocess. Every wait has a timeout so a
hang fails the test, and the process is always killed at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pytest
from openai import AsyncOpenAI
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import realtime_nb as rt

REPO = Path(__file__).resolve().parent.parent
URL = re.compile(r"ws://127\.0\.0\.1:(\d+)/v1/realtime")
CANARY = "sk-canary-XYZ"
STARTUP = 30.0
"""Longest wait for the first line (a cold interpreter importing numpy and the SDK)."""
TIMEOUT = 10.0


class MockCli:
    """The mock's command line in a subprocess, with its output read line by line."""

    def __init__(self, *args: str, seed: int = 1, env: dict[str, str] | None = None) -> None:
        self.extra_env = env or {}
        self.command = [sys.executable, "-m", "realtime_nb.mock", "--port", "0",
                        "--seed", str(seed), *args]
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> MockCli:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.extra_env}
        self.process = subprocess.Popen(
            self.command, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
            errors="replace")
        try:
            assert self.process.stdout is not None and self.process.stderr is not None
            self._read(self.process.stdout, self._stdout, self._lines)
            self._read(self.process.stderr, self._stderr, None)
            self.first_line = self.next_line(STARTUP)
            match = URL.fullmatch(self.first_line)
            assert match, f"first line is not the URL: {self.first_line!r}"
            self.url = self.first_line
            self.port = int(match.group(1))
        except BaseException:
            self._kill()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._kill()

    def _read(self, stream: IO[str], into: list[str], lines: queue.Queue[str | None] | None,
              ) -> None:
        def pump() -> None:
            for line in stream:
                into.append(line)
                if lines is not None:
                    lines.put(line.rstrip("\n"))
            if lines is not None:
                lines.put(None)

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        self._threads.append(thread)

    def next_line(self, timeout: float = TIMEOUT) -> str:
        """The next stdout line (fails after ``timeout`` or at the end of the output)."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no stdout line within {timeout} s; stderr: {self.stderr_text()!r}")
        if line is None:
            pytest.fail(f"stdout ended; stderr: {self.stderr_text()!r}")
        return line

    def wait(self, timeout: float = TIMEOUT) -> int:
        """The exit status; fails (after killing it) if the process does not end in time."""
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            pytest.fail(f"the mock did not exit within {timeout} s")
        for thread in self._threads:
            thread.join(TIMEOUT)
        return status

    def interrupt(self, timeout: float = TIMEOUT) -> int:
        """Ctrl-C, then the exit status."""
        self.process.send_signal(signal.SIGINT)
        return self.wait(timeout)

    def stdout_text(self) -> str:
        return "".join(self._stdout)

    def stderr_text(self) -> str:
        return "".join(self._stderr)

    def _kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(TIMEOUT)
        for thread in self._threads:
            thread.join(TIMEOUT)


def run(scenario: Any, timeout: float = 20.0) -> Any:
    return asyncio.run(asyncio.wait_for(scenario, timeout))


async def sdk_first_event(port: int, api_key: str) -> Any:
    client = AsyncOpenAI(api_key=api_key, base_url=f"http://127.0.0.1:{port}/v1",
                         max_retries=0)
    async with client.realtime.connect(model="gpt-realtime") as connection:
        return await asyncio.wait_for(connection.recv(), TIMEOUT)


async def recv_json(ws: Any) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))  # type: ignore[no-any-return]


def test_help() -> None:
    result = subprocess.run([sys.executable, "-m", "realtime_nb.mock", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=STARTUP)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m realtime_nb.mock")
    for flag in ("--host", "--port", "--seed", "--pace", "--require-key", "--script",
                 "--drop-after", "--drop-mid-response", "--delay-ms", "--error-after",
                 "--token-budget", "--stall-after"):
        assert flag in result.stdout
    assert result.stderr == ""


def test_bad_arguments_are_usage_errors() -> None:
    result = subprocess.run([sys.executable, "-m", "realtime_nb.mock", "--pace", "slow"],
                            cwd=REPO, capture_output=True, text=True, timeout=STARTUP)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_is_reported_without_a_traceback() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "realtime_nb.mock", "--port", str(port)], cwd=REPO,
            capture_output=True, text=True, timeout=STARTUP)
    assert result.returncode == 1
    assert "could not start" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_url_line_sdk_connection_log_and_ctrl_c() -> None:
    with MockCli() as cli:
        assert cli.port > 0
        event = run(sdk_first_event(cli.port, CANARY))
        assert event.type == "session.created"
        assert event.session.type == "realtime"
        assert event.session.model == "gpt-realtime"
        line = cli.next_line()
        log = r"connection 1: ga model=gpt-realtime from 127\.0\.0\.1:\d+"
        assert re.fullmatch(log, line), line
        assert cli.interrupt() == 0
        out, err = cli.stdout_text(), cli.stderr_text()
    assert out.splitlines()[0] == cli.url
    assert CANARY not in out and CANARY not in err
    assert "Traceback" not in err


def test_ctrl_c_with_a_connection_open() -> None:
    with MockCli() as cli:
        async def scenario() -> None:
            async with connect(cli.url) as ws:
                assert (await recv_json(ws))["type"] == "session.created"
                cli.process.send_signal(signal.SIGINT)
                with pytest.raises(ConnectionClosed) as closed:
                    while True:
                        await recv_json(ws)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001

        run(scenario())
        assert cli.wait() == 0
        assert "Traceback" not in cli.stderr_text()


def test_one_log_line_per_connection() -> None:
    with MockCli() as cli:
        async def scenario() -> None:
            for _ in range(3):
                async with connect(cli.url) as ws:
                    await recv_json(ws)
            async with connect(cli.url, additional_headers={"OpenAI-Beta": "realtime=v1"}) as ws:
                await recv_json(ws)
            async with connect(cli.url.replace("/v1/realtime", "/v1/realtime?model=gpt-x")) as ws:
                await recv_json(ws)

        run(scenario())
        lines = [cli.next_line() for _ in range(5)]
        assert [line.split(" from ")[0] for line in lines] == [
            "connection 1: ga model=gpt-realtime", "connection 2: ga model=gpt-realtime",
            "connection 3: ga model=gpt-realtime", "connection 4: beta model=gpt-realtime",
            "connection 5: ga model=gpt-x"]
        assert cli.interrupt() == 0


def test_require_key() -> None:
    key = "sk-the-right-key"
    with MockCli("--require-key", key) as cli:
        async def wrong(headers: dict[str, str]) -> None:
            async with connect(cli.url, additional_headers=headers) as ws:
                error = await recv_json(ws)
                assert error["type"] == "error"
                assert error["error"]["type"] == "invalid_request_error"
                assert error["error"]["code"] == "invalid_api_key"
                assert CANARY not in error["error"]["message"]
                with pytest.raises(ConnectionClosed) as closed:
                    await recv_json(ws)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 3000

        run(wrong({"Authorization": f"Bearer {CANARY}"}))
        run(wrong({}))
        run(wrong({"Authorization": f"Bearer {key}x"}))
        check_key_gate(cli, key)


def test_require_key_from_the_environment() -> None:
    key = "sk-key-from-env"
    with MockCli(env={"REALTIME_NB_MOCK_REQUIRE_KEY": key}) as cli:
        check_key_gate(cli, key)


def check_key_gate(cli: MockCli, key: str) -> None:
    """The SDK with a wrong key gets invalid_api_key, with ``key`` it is let in; neither
    key shows in the server's output, and Ctrl-C stops it cleanly."""
    event = run(sdk_first_event(cli.port, CANARY))
    assert event.type == "error" and event.error.code == "invalid_api_key"
    event = run(sdk_first_event(cli.port, key))
    assert event.type == "session.created"
    assert cli.interrupt() == 0
    out, err = cli.stdout_text(), cli.stderr_text()
    assert CANARY not in out + err and key not in out + err
    assert "Traceback" not in err


async def text_reply(url: str, text: str) -> str:
    async with connect(url) as ws:
        await ws.send(rt.create_item(rt.user_text(text)).to_json())
        await ws.send(rt.create_response(output_modalities=["text"]).to_json())
        while True:
            event = await recv_json(ws)
            assert event["type"] != "error", event
            if event["type"] == "response.output_text.done":
                return event["text"]  # type: ignore[no-any-return]


def test_script_file_changes_the_reply(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"rules": [
        {"match": r"\bping\b", "reply": "pong from the script"}]}), encoding="utf-8")
    with MockCli("--script", str(script)) as cli:
        assert run(text_reply(cli.url, "ping please")) == "pong from the script"
        other = run(text_reply(cli.url, "hello there"))
        assert other != "pong from the script" and "hello there" in other
        assert cli.interrupt() == 0
        assert "Traceback" not in cli.stderr_text()
