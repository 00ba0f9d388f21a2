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
from realtime_nb.mock import Rule, Script
from realtime_nb.mock.__main__ import build_parser, main

REPO = Path(__file__).resolve().parent.parent
URL = re.compile(r"ws://127\.0\.0\.1:(\d+)/v1/realtime\?model=gpt-realtime")
"""The first line: the URL names a model, since a URL without one is refused (missing_model)."""
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


KEY_VARIABLE = "$REALTIME_NB_MOCK_REQUIRE_KEY"


def bad(option: str, args: list[str], problem: str, *, script: str | bytes | None = None,
        env_key: str | None = None, name: str) -> Any:
    """One bad input: the command line (``{tmp}`` is a fresh directory, ``{script}`` a
    file there holding ``script``), the option the error must name, and what it must say."""
    return pytest.param(option, args, problem, script, env_key, id=name)


RULE = '{"rules": [%s]}'
BAD_INPUTS = [
    # --script: the file itself
    bad("--script", ["--script", "{tmp}/missing.json"], "No such file or directory",
        name="script-missing"),
    bad("--script", ["--script", "{tmp}"], "Is a directory", name="script-directory"),
    bad("--script", ["--script="], "the file name is empty", name="script-empty-name"),
    bad("--script", ["--script", "{script}"], "not UTF-8", script=b"\xff\xfe{}",
        name="script-not-utf8"),
    bad("--script", ["--script", "{script}"], "not JSON: Expecting value", script="rules: []",
        name="script-not-json"),
    bad("--script", ["--script", "{script}"], "not JSON", script="", name="script-empty-file"),
    bad("--script", ["--script", "{script}"], "not JSON: nested too deeply",
        script="[" * 100_000, name="script-too-deep"),
    # --script: the JSON's shape
    bad("--script", ["--script", "{script}"], "a script is a JSON object, not an array",
        script='[{"match": "x", "reply": "y"}]', name="script-array"),
    bad("--script", ["--script", "{script}"], "unknown key 'rule'", script='{"rule": []}',
        name="script-unknown-key"),
    bad("--script", ["--script", "{script}"], "'rules' must be an array, not an object",
        script='{"rules": {"match": "x"}}', name="rules-object"),
    bad("--script", ["--script", "{script}"], "rules[0] must be an object, not a string",
        script=RULE % '"x"', name="rule-string"),
    bad("--script", ["--script", "{script}"], "rules[1] has an unknown key 'foo'",
        script=RULE % '{"reply": "a"}, {"match": "x", "foo": 1}', name="rule-unknown-key"),
    bad("--script", ["--script", "{script}"], "rules[0].match must be a string, not a number",
        script=RULE % '{"match": 5, "reply": "a"}', name="rule-match-number"),
    bad("--script", ["--script", "{script}"], "rules[0].reply must be a string, not an array",
        script=RULE % '{"reply": ["a"]}', name="rule-reply-array"),
    bad("--script", ["--script", "{script}"], "rules[0].after_tool must be true or false",
        script=RULE % '{"tool": "t", "after_tool": 1}', name="rule-after-tool-number"),
    bad("--script", ["--script", "{script}"],
        "rules[0].arguments must be an object or a string, not an array",
        script=RULE % '{"tool": "t", "arguments": [1]}', name="rule-arguments-array"),
    bad("--script", ["--script", "{script}"], "rules[0].match is not a regular expression",
        script=RULE % '{"match": "[a", "reply": "a"}', name="rule-bad-regex"),
    bad("--script", ["--script", "{script}"], "has both reply and tool",
        script=RULE % '{"reply": "a", "tool": "t"}', name="rule-reply-and-tool"),
    bad("--script", ["--script", "{script}"], "has arguments but no tool",
        script=RULE % '{"reply": "a", "arguments": {}}', name="rule-arguments-no-tool"),
    bad("--script", ["--script", "{script}"], "transcripts[1] must be a string, not null",
        script='{"transcripts": ["a", null]}', name="transcript-null"),
    bad("--script", ["--script", "{script}"], "'transcripts' must be an array, not a string",
        script='{"transcripts": "abc"}', name="transcripts-string"),
    # the server's address (the socket layer would raise OverflowError or UnicodeError)
    bad("--port", ["--port", "99999"], "port must be 0-65535", name="port-too-big"),
    bad("--port", ["--port", "-1"], "port must be 0-65535", name="port-negative"),
    bad("--port", ["--port", "http"], "port must be 0-65535", name="port-not-a-number"),
    bad("--host", ["--host="], "host must not be empty", name="host-empty"),
    bad("--host", ["--host", "no-such-host.invalid"], "cannot resolve", name="host-unknown"),
    bad("--host", ["--host", "a..b"], "is not a host name", name="host-empty-label"),
    # the rest of the session
    bad("--pace", ["--pace", "slow"], "invalid choice", name="pace-unknown"),
    bad("--seed", ["--seed", "-1"], "seed must be a whole number, 0 or more", name="seed-negative"),
    bad("--seed", ["--seed", "abc"], "seed must be a whole number", name="seed-not-a-number"),
    bad("--require-key", ["--require-key="], "the key must not be empty", name="key-empty"),
    bad(KEY_VARIABLE, [], "printable ASCII without spaces", env_key=" sk-padded\n",
        name="key-from-environment-padded"),
    # faults
    bad("--drop-after", ["--drop-after", "0"], "1 or more", name="drop-after-zero"),
    bad("--drop-after", ["--drop-after", "ten"], "whole number of events", name="drop-after-word"),
    bad("--error-after", ["--error-after", "-3"], "1 or more", name="error-after-negative"),
    bad("--stall-after", ["--stall-after", "2.5"], "whole number of events",
        name="stall-after-fraction"),
    bad("--token-budget", ["--token-budget", "-1"], "0 or more", name="token-budget-negative"),
    bad("--delay-ms", ["--delay-ms", "-5"], "milliseconds, 0 or more", name="delay-negative"),
    bad("--delay-ms", ["--delay-ms", "nan"], "milliseconds, 0 or more", name="delay-nan"),
    bad("--expire-after", ["--expire-after", "-1"], "seconds, 0 or more", name="expire-negative"),
    bad("--expire-after", ["--expire-after", "inf"], "seconds, 0 or more", name="expire-infinite"),
    bad("--expire-after", ["--expire-after", "soon"], "seconds, 0 or more", name="expire-word"),
]


def _write_script(tmp_path: Path, script: str | bytes | None) -> Path:
    script_path = tmp_path / "script.json"
    if isinstance(script, bytes):
        script_path.write_bytes(script)
    elif script is not None:
        script_path.write_text(script, encoding="utf-8")
    return script_path


@pytest.mark.parametrize(("option", "args", "problem", "script", "env_key"), BAD_INPUTS)
def test_bad_input_is_one_usage_error(option: str, args: list[str], problem: str,
                                      script: str | bytes | None, env_key: str | None,
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Argparse's usage, then one ``error:`` line naming the option and the problem; status
    2, nothing on stdout. In-process (an exception other than argparse's exit would fail
    here as a traceback would); the real command line is run for a few below."""
    script_path = _write_script(tmp_path, script)
    argv = [arg.format(tmp=tmp_path, script=script_path) for arg in args]
    monkeypatch.delenv("REALTIME_NB_MOCK_REQUIRE_KEY", raising=False)
    if env_key is not None:
        monkeypatch.setenv("REALTIME_NB_MOCK_REQUIRE_KEY", env_key)
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    assert exit_.value.code == 2, err
    assert out == ""
    *usage, error = [line for line in err.splitlines() if line.strip()]
    assert usage[0].startswith("usage: python -m realtime_nb.mock ")
    assert all(line.startswith(" ") for line in usage[1:]), usage
    named = option if option.startswith("$") else f"argument {option}"
    assert error.startswith(f"python -m realtime_nb.mock: error: {named}: "), error
    assert problem in error, error
    if env_key is not None:
        assert env_key.strip() not in err  # a key is never shown


@pytest.mark.parametrize(("args", "script"), [
    (["--script", "{script}"], '{"rules": [], "rule": 1}'),  # was a TypeError traceback
    (["--script", "{script}"], "not json"),  # was a JSONDecodeError traceback
    (["--port", "99999"], None),  # was an OverflowError traceback
])
def test_the_command_line_shows_no_traceback(args: list[str], script: str | None,
                                            tmp_path: Path) -> None:
    argv = [arg.format(script=_write_script(tmp_path, script)) for arg in args]
    result = subprocess.run([sys.executable, "-m", "realtime_nb.mock", *argv], cwd=REPO,
                            capture_output=True, text=True, timeout=STARTUP)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        f"python -m realtime_nb.mock: error: argument {args[0]}: ")


def test_edge_values_are_accepted() -> None:
    """The limits themselves are good values (each 0 here means something)."""
    args = build_parser().parse_args([
        "--host", "localhost", "--port", "65535", "--seed", "0", "--drop-after", "1",
        "--delay-ms", "0", "--error-after", "1", "--token-budget", "0", "--stall-after", "1",
        "--expire-after", "0", "--require-key", "sk-x"])
    assert (args.host, args.port, args.seed, args.drop_after, args.delay_ms) == (
        "localhost", 65535, 0, 1, 0.0)
    assert (args.error_after, args.token_budget, args.stall_after, args.expire_after) == (
        1, 0, 1, 0.0)
    assert build_parser().parse_args(["--port", "0"]).port == 0


def test_a_script_file_with_every_key_loads(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text(json.dumps({
        "rules": [{"match": "weather", "tool": "get_weather", "arguments": {"city": "Paris"}},
                  {"match": "sunny", "reply": "Nice.", "after_tool": True},
                  {"match": "x", "tool": "t", "arguments": '{"raw": 1}', "reply": None}],
        "transcripts": ["hello"]}), encoding="utf-8")
    script = Script.from_file(path)
    assert script.rules == (
        Rule(match="weather", tool="get_weather", arguments={"city": "Paris"}),
        Rule(match="sunny", reply="Nice.", after_tool=True),
        Rule(match="x", tool="t", arguments='{"raw": 1}'))
    assert script.transcripts == ("hello",)


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
        firsts: list[str] = []

        async def scenario() -> None:
            for _ in range(3):
                async with connect(cli.url) as ws:
                    firsts.append((await recv_json(ws))["type"])
            async with connect(cli.url, additional_headers={"OpenAI-Beta": "realtime=v1"}) as ws:
                firsts.append((await recv_json(ws))["error"]["code"])
            async with connect(cli.url.split("?")[0] + "?model=gpt-x") as ws:
                firsts.append((await recv_json(ws))["error"]["code"])
            async with connect(cli.url.split("?")[0]) as ws:
                firsts.append((await recv_json(ws))["error"]["code"])

        run(scenario())
        assert firsts == ["session.created"] * 3 + [
            "beta_api_shape_disabled", "invalid_model", "missing_model"]
        lines = [cli.next_line() for _ in range(6)]
        assert [re.sub(r" from 127\.0\.0\.1:\d+", "", line) for line in lines] == [
            "connection 1: ga model=gpt-realtime", "connection 2: ga model=gpt-realtime",
            "connection 3: ga model=gpt-realtime",
            "connection 4: beta model=gpt-realtime, refused:"
            " invalid_request_error.beta_api_shape_disabled",
            "connection 5: ga model=gpt-x, refused: invalid_request_error.invalid_model",
            "connection 6: ga model=(none), refused: invalid_request_error.missing_model"]
        assert cli.interrupt() == 0


def test_legacy_beta_serves_the_beta_dialect() -> None:
    with MockCli("--legacy-beta") as cli:
        async def scenario() -> dict[str, Any]:
            async with connect(cli.url, additional_headers={"OpenAI-Beta": "realtime=v1"}) as ws:
                return await recv_json(ws)

        created = run(scenario())
        assert created["type"] == "session.created"
        assert "type" not in created["session"] and "modalities" in created["session"]  # beta
        assert cli.next_line().startswith("connection 1: beta model=gpt-realtime from ")
        assert cli.interrupt() == 0


def test_require_key() -> None:
    key = "sk-the-right-key"
    with MockCli("--require-key", key) as cli:
        async def wrong(headers: dict[str, str], code: str | None) -> None:
            async with connect(cli.url, additional_headers=headers) as ws:
                error = await recv_json(ws)
                assert error["type"] == "error"
                assert error["error"]["type"] == "invalid_request_error"
                assert error["error"]["code"] == code
                assert CANARY not in error["error"]["message"]
                assert key not in error["error"]["message"]
                with pytest.raises(ConnectionClosed) as closed:
                    await recv_json(ws)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 3000

        run(wrong({"Authorization": f"Bearer {CANARY}"}, "invalid_api_key"))
        run(wrong({}, None))  # no credential: the service sends no code
        run(wrong({"Authorization": f"Bearer {key}x"}, "invalid_api_key"))
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
