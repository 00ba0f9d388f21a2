"""The mock answers a handshake as today's service does (protocol.md §5 (a)); so does the sender.

A connection the service would refuse is upgraded (101), gets exactly one ``error``
event (GA shape, ``error.event_id`` and ``param`` null) and a server close whose
reason is ``<error.type>.<error.code>``: a beta handshake (retired: 4000), a wrong
or missing key under ``require_key`` (3000), an unknown or missing model (4000).
``legacy_beta`` keeps serving the beta dialect. ``realtime_nb.connect`` turns each
refusal into a :class:`ConnectError` quoting the service, with its code, and never
shows a key whole.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import traceback
import uuid
from collections.abc import Coroutine
from typing import Any, get_args, get_type_hints

import pytest
from openai.types.realtime.realtime_session_create_request_param import (
    RealtimeSessionCreateRequestParam,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

import realtime_nb as rt
from realtime_nb.mock import MockServer
from realtime_nb.mock.server import REALTIME_MODELS
from realtime_nb.mock.service_errors import masked_key

TIMEOUT_S = 20.0

BETA_MESSAGE = ("The Realtime Beta API is no longer supported. Please use /v1/realtime for the"
                " GA API.")
BETA_REASON = "invalid_request_error.beta_api_shape_disabled"

PATHS = {
    "openai": "/v1/realtime?model=gpt-realtime",
    "azure ga": "/openai/v1/realtime?model=my-deployment",
    "azure preview": "/openai/realtime?api-version=2025-04-01-preview&deployment=my-deployment",
}
"""Every path the mock serves, each naming its model as its clients do."""

BETA_HANDSHAKES: dict[str, dict[str, Any]] = {
    "header": {"additional_headers": {"OpenAI-Beta": "realtime=v1"}},
    "subprotocol": {"subprotocols": ["realtime", "openai-insecure-api-key.sk-browser",
                                     "openai-beta.realtime-v1"]},
}
"""The two ways a client asks for beta: the SDK's header, the browser's subprotocol."""


def run(scenario: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(scenario, TIMEOUT_S))


def base(server: MockServer) -> str:
    """``ws://HOST:PORT`` of ``server``."""
    return server.url.split("/v1/")[0]


async def refusal(ws: ClientConnection) -> tuple[dict[str, Any], int, str]:
    """The one event of a refused connection, and the close code and reason that follow it."""
    event = json.loads(await ws.recv())
    with pytest.raises(ConnectionClosed) as closed:
        await ws.recv()  # nothing else: the close comes next
    assert closed.value.rcvd is not None, "the server did not close"
    return event, closed.value.rcvd.code, closed.value.rcvd.reason


def assert_refused(event: dict[str, Any], code: str | None, message: str) -> None:
    """``event`` is the service's refusal: the GA error shape, tied to no client event."""
    assert event["type"] == "error"
    assert event["event_id"].startswith("event_")
    assert event["error"] == {"type": "invalid_request_error", "code": code,
                              "message": message, "param": None, "event_id": None}


# -- the beta handshake ---------------------------------------------------------------------------


@pytest.mark.parametrize("asks", BETA_HANDSHAKES.values(), ids=BETA_HANDSHAKES.keys())
@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_a_beta_handshake_is_refused_as_the_service_refuses_it(
        path: str, asks: dict[str, Any]) -> None:
    lines: list[str] = []

    async def scenario() -> tuple[dict[str, Any], int, str]:
        async with MockServer(seed=1, on_connect=lines.append) as server, connect(
                base(server) + path, **asks) as ws:
            assert ws.response is not None and ws.response.status_code == 101  # upgraded first
            refused = await refusal(ws)
            assert server.sessions == []
            return refused

    event, close_code, reason = run(scenario())
    assert_refused(event, "beta_api_shape_disabled", BETA_MESSAGE)
    assert (close_code, reason) == (4000, BETA_REASON)
    assert len(lines) == 1 and lines[0].endswith(f", refused: {BETA_REASON}")


@pytest.mark.parametrize("asks", BETA_HANDSHAKES.values(), ids=BETA_HANDSHAKES.keys())
@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_legacy_beta_serves_the_beta_dialect(path: str, asks: dict[str, Any]) -> None:
    async def scenario() -> dict[str, Any]:
        async with MockServer(seed=1, legacy_beta=True) as server, connect(
                base(server) + path, **asks) as ws:
            created: dict[str, Any] = json.loads(await ws.recv())
            assert server.sessions[0].dialect == "beta"
            return created

    created = run(scenario())
    assert created["type"] == "session.created"
    session = created["session"]
    assert "type" not in session and "audio" not in session  # the flat beta shape
    assert session["modalities"] and session["voice"] and session["input_audio_format"]


def test_legacy_beta_still_serves_ga_to_a_ga_handshake() -> None:
    async def scenario() -> dict[str, Any]:
        async with MockServer(seed=1, legacy_beta=True) as server, connect(server.url) as ws:
            return json.loads(await ws.recv())  # type: ignore[no-any-return]

    assert run(scenario())["session"]["type"] == "realtime"


# -- the other refusals ---------------------------------------------------------------------------

KEY = "sk-proj-right-key-" + "r" * 24
WRONG = f"sk-proj-{uuid.uuid4().hex}{uuid.uuid4().hex}WXYZ"

REFUSALS = {
    # name: (path, headers, error code, message, close code, reason)
    "wrong key": (
        PATHS["openai"], {"Authorization": f"Bearer {WRONG}"}, "invalid_api_key",
        "Incorrect API key provided: sk-proj-***…WXYZ. You can find your API key at"
        " https://platform.openai.com/account/api-keys.",
        3000, "invalid_request_error.invalid_api_key"),
    "wrong azure api-key": (
        PATHS["azure ga"], {"api-key": WRONG}, "invalid_api_key",
        "Incorrect API key provided: sk-proj-***…WXYZ. You can find your API key at"
        " https://platform.openai.com/account/api-keys.",
        3000, "invalid_request_error.invalid_api_key"),
    "no key": (
        PATHS["openai"], {}, None, "Missing bearer or basic authentication in header",
        3000, "invalid_request_error"),
    "unknown model": (
        "/v1/realtime?model=gpt-nope", {"Authorization": f"Bearer {KEY}"}, "invalid_model",
        'Model "gpt-nope" is not supported in realtime mode. Use a Realtime model, for example'
        " gpt-realtime.", 4000, "invalid_request_error.invalid_model"),
    "no model": (
        "/v1/realtime", {"Authorization": f"Bearer {KEY}"}, "missing_model",
        "You must provide a model parameter, for example"
        " wss://api.openai.com/v1/realtime?model=gpt-realtime-1.5",
        4000, "invalid_request_error.missing_model"),
    "no azure deployment": (
        "/openai/realtime?api-version=2025-04-01-preview", {"api-key": KEY}, "missing_model",
        "You must provide a model parameter, for example"
        " wss://api.openai.com/v1/realtime?model=gpt-realtime-1.5",
        4000, "invalid_request_error.missing_model"),
    "key before beta": (
        PATHS["openai"], {"OpenAI-Beta": "realtime=v1"}, None,
        "Missing bearer or basic authentication in header", 3000, "invalid_request_error"),
    "beta before model": (
        "/v1/realtime?model=gpt-nope", {"Authorization": f"Bearer {KEY}",
                                        "OpenAI-Beta": "realtime=v1"},
        "beta_api_shape_disabled", BETA_MESSAGE, 4000, BETA_REASON),
}


@pytest.mark.parametrize(("path", "headers", "code", "message", "close_code", "reason"),
                         REFUSALS.values(), ids=REFUSALS.keys())
def test_each_refusal_is_one_error_then_the_service_s_close(
        path: str, headers: dict[str, str], code: str | None, message: str, close_code: int,
        reason: str) -> None:
    async def scenario() -> tuple[dict[str, Any], int, str]:
        async with MockServer(seed=1, require_key=KEY) as server, connect(
                base(server) + path, additional_headers=headers) as ws:
            return await refusal(ws)

    event, got_code, got_reason = run(scenario())
    assert_refused(event, code, message)
    assert (got_code, got_reason) == (close_code, reason)


SERVED = {
    "right key": ("/v1/realtime?model=gpt-realtime", {"Authorization": f"Bearer {KEY}"}),
    "dated model": ("/v1/realtime?model=gpt-4o-realtime-preview-2024-12-17", {}),
    "later model": ("/v1/realtime?model=gpt-realtime-mini-2025-12-15", {}),
    "transcription needs no model": ("/v1/realtime?intent=transcription", {}),
    "a joined call needs no model": ("/v1/realtime?call_id=rtc_123", {}),
    "azure deployments are named by their owner": ("/openai/v1/realtime?model=my-deploy", {}),
}


@pytest.mark.parametrize(("path", "headers"), SERVED.values(), ids=SERVED.keys())
def test_what_the_service_serves_is_served(path: str, headers: dict[str, str]) -> None:
    async def scenario() -> dict[str, Any]:
        require = KEY if headers else None
        async with MockServer(seed=1, require_key=require) as server, connect(
                base(server) + path, additional_headers=headers) as ws:
            return json.loads(await ws.recv())  # type: ignore[no-any-return]

    assert run(scenario())["type"] == "session.created"


def test_the_model_list_covers_the_sdk_s_realtime_models_and_can_be_replaced() -> None:
    hint = get_type_hints(RealtimeSessionCreateRequestParam)["model"]
    sdk_models = [arg for part in get_args(hint) for arg in get_args(part)]
    assert "gpt-realtime-mini" in sdk_models
    server = MockServer()
    assert server.models == REALTIME_MODELS
    assert [model for model in sdk_models if not server.serves_model(model)] == []
    for other in ("gpt-nope", "gpt-4o", "whisper-1", "gpt-4o-transcribe", "realtime"):
        assert not server.serves_model(other), other

    own = MockServer(models=["my-model", "lab-*"])
    assert own.serves_model("my-model") and own.serves_model("lab-7")
    assert not own.serves_model("gpt-realtime")
    assert MockServer(models=["*"]).serves_model("anything")


def test_models_override_on_the_wire() -> None:
    async def scenario() -> tuple[str, str]:
        async with MockServer(seed=1, models=["lab-*"]) as server:
            async with connect(base(server) + "/v1/realtime?model=lab-1") as ws:
                served = json.loads(await ws.recv())["session"]["model"]
            async with connect(server.url) as ws:
                event, _, _ = await refusal(ws)
            return served, event["error"]["code"]

    assert run(scenario()) == ("lab-1", "invalid_model")


# -- masking --------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", range(0, 70))
def test_a_masked_key_shows_at_most_a_small_prefix_and_the_last_four(length: int) -> None:
    key = "".join(chr(ord("a") + i % 26) for i in range(length))
    masked = masked_key(key)
    head, tail = masked.split("***…")
    assert key.startswith(head) and key.endswith(tail)
    assert len(head) <= 8 and len(tail) <= 4
    assert len(head) + len(tail) <= length // 2  # never more than half the key
    if length >= 24:
        assert (len(head), len(tail)) == (8, 4)  # as the service shows a real key


# -- through realtime_nb.connect ------------------------------------------------------------------


def connect_error(url: str, **options: Any) -> rt.ConnectError:
    async def scenario() -> rt.ConnectError:
        with pytest.raises(rt.ConnectError) as refused:
            await rt.connect(url, quiet=True, **options)
        return refused.value

    return run(scenario())  # type: ignore[no-any-return]


def test_connect_beta_to_the_default_mock_explains_the_retirement() -> None:
    async def scenario() -> rt.ConnectError:
        async with MockServer(seed=1) as server:
            with pytest.raises(rt.ConnectError) as refused:
                await rt.connect(server.url.split("?")[0], dialect="beta")
            return refused.value

    error = run(scenario())
    text = str(error)
    assert error.code == "beta_api_shape_disabled"
    assert f"the server refused the session: {BETA_MESSAGE} (close 4000, {BETA_REASON})" in text
    assert "no longer serves the beta interface" in text
    assert 'Use dialect="ga" (the default)' in text and "only the dialect argument" in text
    assert 'connect("mock", dialect="beta")' in text


@pytest.mark.parametrize("options", [{"api_key": "sk-test"},
                                     {"azure_endpoint": "https://res.openai.azure.com",
                                      "api_key": "az-key"}], ids=["openai", "azure"])
def test_connect_beta_to_openai_or_azure_fails_at_the_call(options: dict[str, Any]) -> None:
    with pytest.raises(rt.ConnectError, match='dialect="beta" cannot connect to wss://'):
        rt.connect(dialect="beta", **options)  # no await: nothing is opened


def test_connect_reports_each_refusal_with_the_service_s_words_and_code() -> None:
    async def scenario() -> dict[str, rt.ConnectError]:
        errors: dict[str, rt.ConnectError] = {}
        async with MockServer(seed=1, require_key=KEY) as server:
            url = server.url.split("?")[0]
            attempts = {
                "wrong key": {"api_key": WRONG},
                "no key": {},
                "unknown model": {"api_key": KEY, "model": "gpt-nope"},
                "no model": {"api_key": KEY, "url": url + "?model="},
            }
            for name, options in attempts.items():
                with pytest.raises(rt.ConnectError) as refused:
                    await rt.connect(options.pop("url", url), quiet=True, **options)
                errors[name] = refused.value
        return errors

    errors = run(scenario())
    assert errors["wrong key"].code == "invalid_api_key"
    assert ("the server refused the session: Incorrect API key provided: sk-proj-***…WXYZ."
            in str(errors["wrong key"]))
    assert "(close 3000, invalid_request_error.invalid_api_key)" in str(errors["wrong key"])
    assert errors["no key"].code == 3000  # the service sends no error code: the close code
    assert ("Missing bearer or basic authentication in header (close 3000,"
            " invalid_request_error)" in str(errors["no key"]))
    assert errors["unknown model"].code == "invalid_model"
    assert 'Model "gpt-nope" is not supported in realtime mode' in str(errors["unknown model"])
    assert "(close 4000, invalid_request_error.invalid_model)" in str(errors["unknown model"])
    assert errors["no model"].code == "missing_model"
    assert "You must provide a model parameter" in str(errors["no model"])


def test_connect_mock_with_beta_works_and_says_so_once(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # The notice is once per process: start this test from a process that has not shown it.
    monkeypatch.setattr(sys.modules["realtime_nb.connection.connect"], "_said_once", set())
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    async def scenario() -> list[str]:
        kinds = []
        quiet = await rt.connect("mock", dialect="beta", quiet=True)  # quiet: no notice yet
        await quiet.close()
        for url in ("mock", "mock", None):
            session = await rt.connect(url, dialect="beta")
            reply = await session.say("Hello", output_modalities=["text"])
            kinds.append(f"{session.target.dialect} {reply.status}")
            await session.close()
        return kinds

    assert run(scenario()) == ["beta completed"] * 3
    err = capsys.readouterr().err.splitlines()
    beta_notices = [line for line in err if 'dialect="beta" on the embedded mock' in line]
    assert len(beta_notices) == 1
    assert "legacy beta dialect" in beta_notices[0]
    # The no-URL fallback still has its own notice.
    assert sum("no URL and no API key given" in line for line in err) == 1


def test_connect_mock_asks_for_its_own_model() -> None:
    async def scenario() -> str:
        async with rt.connect("mock", model="gpt-realtime-mini", quiet=True) as session:
            return str(session.session.model)

    assert run(scenario()) == "gpt-realtime-mini"


# -- keys never show ------------------------------------------------------------------------------


def test_a_refused_key_never_shows_whole(caplog: pytest.LogCaptureFixture) -> None:
    canary = f"sk-canary-{uuid.uuid4().hex}"
    middle = canary[8:-4]  # what masking hides
    everything: list[str] = []
    lines: list[str] = []

    async def scenario() -> None:
        async with MockServer(seed=1, require_key="sk-the-right-one-0000",
                              on_connect=lines.append) as server:
            for headers in ({"Authorization": f"Bearer {canary}"}, {"api-key": canary}):
                async with connect(server.url, additional_headers=headers) as ws:
                    event, _, reason = await refusal(ws)
                everything.extend([json.dumps(event), reason])
            for short in ("sk-1", "sk-12345", canary[:12]):
                async with connect(server.url,
                                   additional_headers={"Authorization": f"Bearer {short}"}) as ws:
                    event, _, _ = await refusal(ws)
                assert short not in event["error"]["message"]
            with pytest.raises(rt.ConnectError) as refused:
                await rt.connect(server.url, api_key=canary)
            error = refused.value
            everything.extend([str(error), repr(error), *map(repr, error.args),
                               "".join(traceback.format_exception(error))])
            assert "sk-canar***…" in str(error)  # masked, as the service masks it

    with caplog.at_level(logging.DEBUG):
        run(scenario())
    everything.extend(lines)
    everything.extend(f"{r.name}: {r.getMessage()}" for r in caplog.records
                      if not r.name.startswith("websockets."))
    assert [text for text in everything if canary in text or middle in text] == []
    assert [text for text in everything if "sk-the-right-one" in text] == []
