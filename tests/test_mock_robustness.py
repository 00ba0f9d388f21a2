"""Bad input never kills the mock server.

Every malformed or hostile client frame gets exactly one ``error`` event
(``invalid_request_error``, linked to the frame's ``event_id`` when it had a
string one, protocol.md §2.1 and §5 i), nothing else happens to the session,
and a normal text exchange still completes afterwards. Mostly fuzzed against
:class:`MockSession` (no I/O), plus a smaller run over a real socket; then the
frame-size limit, the memory caps and the service's known error shapes.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai.types.beta.realtime.error_event import ErrorEvent as BetaErrorEvent
from openai.types.realtime.realtime_error_event import RealtimeErrorEvent
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as sync_connect

import realtime_nb as rt
from realtime_nb.mock import MAX_FRAME_BYTES, BackgroundMockServer, MockServer, MockSession
from realtime_nb.mock import conversation as conversation_module
from realtime_nb.mock import session as session_module
from realtime_nb.mock.conversation import MAX_ITEMS
from realtime_nb.mock.input_audio import MAX_APPEND_BYTES, MAX_BUFFERED_MS
from realtime_nb.mock.service_errors import MAX_MESSAGE_CHARS, MAX_PARAM_CHARS, TRUNCATED

Dialect = str
ANY: Any = object()
"""An expectation that accepts any value."""

# The eleven GA client event types (protocol.md §2.2); beta adds one (§2.3).
GA_CLIENT_TYPES = frozenset({
    "session.update", "input_audio_buffer.append", "input_audio_buffer.commit",
    "input_audio_buffer.clear", "output_audio_buffer.clear", "conversation.item.create",
    "conversation.item.retrieve", "conversation.item.truncate", "conversation.item.delete",
    "response.create", "response.cancel",
})
BETA_CLIENT_TYPES = GA_CLIENT_TYPES | {"transcription_session.update"}

USER_ITEM: dict[str, Any] = {
    "type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello"}],
}
# One valid event of every GA type (the session may still refuse some, e.g. a cancel
# with nothing active; these are used with a defect added, so parsing fails first).
VALID_GA: dict[str, dict[str, Any]] = {
    "session.update": {"type": "session.update", "session": {"type": "realtime"}},
    "input_audio_buffer.append": {"type": "input_audio_buffer.append", "audio": "AAAA"},
    "input_audio_buffer.commit": {"type": "input_audio_buffer.commit"},
    "input_audio_buffer.clear": {"type": "input_audio_buffer.clear"},
    "output_audio_buffer.clear": {"type": "output_audio_buffer.clear"},
    "conversation.item.create": {"type": "conversation.item.create", "item": USER_ITEM},
    "conversation.item.retrieve": {"type": "conversation.item.retrieve", "item_id": "item_x"},
    "conversation.item.truncate": {"type": "conversation.item.truncate", "item_id": "item_x",
                                   "content_index": 0, "audio_end_ms": 0},
    "conversation.item.delete": {"type": "conversation.item.delete", "item_id": "item_x"},
    "response.create": {"type": "response.create", "response": {"output_modalities": ["text"]}},
    "response.cancel": {"type": "response.cancel"},
}
assert set(VALID_GA) == GA_CLIENT_TYPES

# Chars that no base64 alphabet (standard or URL-safe, with or without whitespace) allows.
NOT_BASE64 = "!@#$%^&*(),.;:?\"'\\~`|<>{}[]é€😀\x00"


# -- hostile cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    """A frame the service must refuse, and what its ``error`` must say."""

    label: str
    frame: str | bytes
    event_id: str | None  # the expected error.event_id
    codes: frozenset[str] | None = None  # accepted error.code values (None: any)
    param: Any = ANY  # the expected error.param

    def __repr__(self) -> str:  # keep hypothesis reports readable for huge frames
        frame = self.frame if len(self.frame) <= 300 else self.frame[:300]
        return (f"Hostile({self.label!r}, frame={frame!r}{'...' if frame is not self.frame else ''}"
                f", event_id={self.event_id!r}, codes={self.codes!r}, param={self.param!r})")


def _parses_to_object(frame: str | bytes) -> bool:
    """Whether any reasonable JSON parser could read ``frame`` as a JSON object."""
    try:
        if isinstance(msgspec.json.decode(frame), dict):
            return True
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        pass
    try:
        return isinstance(json.loads(frame), dict)
    except (ValueError, RecursionError):
        return False


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


_INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
# Non-integral finite floats only: "1.0" for an int field is arguably not a wrong type.
_FLOATS = st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())
_SCALARS = st.none() | st.booleans() | _INT64 | _FLOATS | st.text(max_size=20)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)


@st.composite
def event_ids(draw: st.DrawFn) -> tuple[dict[str, Any], str | None, bool]:
    """(fields to add, the expected error.event_id, whether the id is itself malformed)."""
    choice = draw(st.sampled_from(["absent", "string", "string", "null", "empty", "wrong"]))
    if choice == "absent":
        return {}, None, False
    if choice == "null":
        return {"event_id": None}, None, False
    if choice == "string":
        value = draw(st.text(min_size=1, max_size=40))
        return {"event_id": value}, value, False
    if choice == "empty":  # the mock refuses "" as an event_id too, and still echoes it
        return {"event_id": ""}, "", True
    wrong = draw(JSON_VALUES.filter(lambda v: _kind(v) not in ("string", "null")))
    return {"event_id": wrong}, None, True


def _encode(obj: Any, draw: st.DrawFn) -> str | bytes:
    text = json.dumps(obj, ensure_ascii=draw(st.booleans()))
    return text.encode() if draw(st.booleans()) else text


def _object_case(draw: st.DrawFn, label: str, obj: dict[str, Any], codes: frozenset[str],
                 param: Any) -> Hostile:
    fields, expected, malformed_id = draw(event_ids())
    obj = {**obj, **fields}
    if malformed_id:  # two things wrong: either may be reported first
        codes, param = None, ANY
    return Hostile(label, _encode(obj, draw), expected, codes, param)


INVALID_JSON = frozenset({"invalid_json"})


@st.composite
def non_json_text(draw: st.DrawFn) -> Hostile:
    text = draw(st.text(max_size=300).filter(lambda t: not _parses_to_object(t)))
    return Hostile("non-JSON text", text, None, INVALID_JSON, None)


@st.composite
def truncated_json(draw: st.DrawFn) -> Hostile:
    event = draw(st.sampled_from(sorted(VALID_GA)))
    text = json.dumps({**VALID_GA[event], "event_id": "evt_cut"})
    frame: str | bytes = text[:draw(st.integers(0, len(text) - 1))]
    if draw(st.booleans()):
        frame = frame.encode()
    return Hostile("truncated JSON", frame, None, INVALID_JSON, None)


@st.composite
def random_bytes(draw: st.DrawFn) -> Hostile:
    data = draw(st.binary(max_size=300).filter(lambda b: not _parses_to_object(b)))
    return Hostile("random bytes", data, None, INVALID_JSON, None)


@st.composite
def json_non_objects(draw: st.DrawFn) -> Hostile:
    value = draw(JSON_VALUES.filter(lambda v: not isinstance(v, dict)))
    return Hostile(f"JSON {_kind(value)}", _encode(value, draw), None, INVALID_JSON, None)


def unknown_types(known: frozenset[str]) -> st.SearchStrategy[Hostile]:
    @st.composite
    def build(draw: st.DrawFn) -> Hostile:
        kind = draw(st.text(max_size=40).filter(lambda t: t not in known) | JSON_VALUES.filter(
            lambda v: not isinstance(v, str)))
        extra = draw(st.dictionaries(st.text(max_size=8).map(lambda k: "zz_" + k), JSON_VALUES,
                                     max_size=3))
        return _object_case(draw, "unknown type", {"type": kind, **extra},
                            frozenset({"invalid_value"}), "type")
    return build()


@st.composite
def missing_type(draw: st.DrawFn) -> Hostile:
    extra = draw(st.dictionaries(st.text(max_size=8).map(lambda k: "zz_" + k), JSON_VALUES,
                                 max_size=3))
    return _object_case(draw, "no type", extra, frozenset({"missing_required_parameter"}), "type")


# (event, field, JSON kinds the field accepts). Nullable optional fields are left out of
# the null case: whether the service takes null there is not documented.
TYPED_FIELDS = [
    ("session.update", "session", {"object"}),
    ("input_audio_buffer.append", "audio", {"string"}),
    ("conversation.item.create", "item", {"object"}),
    ("conversation.item.create", "previous_item_id", {"string", "null"}),
    ("conversation.item.retrieve", "item_id", {"string"}),
    ("conversation.item.delete", "item_id", {"string"}),
    ("conversation.item.truncate", "item_id", {"string"}),
    ("conversation.item.truncate", "content_index", {"int"}),
    ("conversation.item.truncate", "audio_end_ms", {"int"}),
    ("response.create", "response", {"object", "null"}),
    ("response.cancel", "response_id", {"string", "null"}),
]


@st.composite
def wrong_field_types(draw: st.DrawFn) -> Hostile:
    event, name, kinds = draw(st.sampled_from(TYPED_FIELDS))
    value = draw(JSON_VALUES.filter(lambda v: _kind(v) not in kinds))
    return _object_case(draw, f"wrong type for {event}.{name}", {**VALID_GA[event], name: value},
                        frozenset({"invalid_type", "invalid_value"}), name)


def _without(obj: dict[str, Any], path: str) -> dict[str, Any]:
    obj = json.loads(json.dumps(obj))
    *parents, last = path.split(".")
    target = obj
    for part in parents:
        target = target[part]
    del target[last]
    return obj


# (a valid event, a required field's path). ``input_audio_buffer.append`` without
# ``audio`` has its own test below.
REQUIRED = [
    (VALID_GA["session.update"], "session"),
    (VALID_GA["session.update"], "session.type"),
    (VALID_GA["conversation.item.create"], "item"),
    (VALID_GA["conversation.item.create"], "item.type"),
    (VALID_GA["conversation.item.create"], "item.role"),
    (VALID_GA["conversation.item.create"], "item.content"),
    ({"type": "conversation.item.create", "item": {
        "type": "function_call_output", "call_id": "call_1", "output": "{}"}}, "item.call_id"),
    ({"type": "conversation.item.create", "item": {
        "type": "function_call_output", "call_id": "call_1", "output": "{}"}}, "item.output"),
    (VALID_GA["conversation.item.retrieve"], "item_id"),
    (VALID_GA["conversation.item.delete"], "item_id"),
    (VALID_GA["conversation.item.truncate"], "item_id"),
    (VALID_GA["conversation.item.truncate"], "content_index"),
    (VALID_GA["conversation.item.truncate"], "audio_end_ms"),
]


@st.composite
def missing_fields(draw: st.DrawFn) -> Hostile:
    event, path = draw(st.sampled_from(REQUIRED))
    return _object_case(draw, f"{event['type']} without {path}", _without(event, path),
                        frozenset({"missing_required_parameter"}), path)


_UNKNOWN_KEYS = st.text(max_size=20).map(lambda k: "zz_" + k)


@st.composite
def unknown_keys_top(draw: st.DrawFn) -> Hostile:
    event = draw(st.sampled_from(sorted(GA_CLIENT_TYPES)))
    key = draw(_UNKNOWN_KEYS)
    return _object_case(draw, f"{event} with key {key!r}",
                        {**VALID_GA[event], key: draw(JSON_VALUES)},
                        frozenset({"unknown_parameter"}), key)


@st.composite
def unknown_keys_nested(draw: st.DrawFn) -> Hostile:
    key, value = draw(_UNKNOWN_KEYS), draw(JSON_VALUES)
    where = draw(st.sampled_from(["session", "item", "item.content[0]", "response"]))
    if where == "session":
        obj = {"type": "session.update", "session": {"type": "realtime", key: value}}
    elif where == "item":
        obj = {"type": "conversation.item.create", "item": {**USER_ITEM, key: value}}
    elif where == "item.content[0]":
        part = {"type": "input_text", "text": "hello", key: value}
        obj = {"type": "conversation.item.create", "item": {**USER_ITEM, "content": [part]}}
    else:
        obj = {"type": "response.create", "response": {"output_modalities": ["text"], key: value}}
    return _object_case(draw, f"{where} with key {key!r}", obj,
                        frozenset({"unknown_parameter"}), f"{where}.{key}")


def _nested(depth: int) -> Any:
    value: Any = []
    for index in range(depth - 1):
        value = [value] if index % 2 else {"a": value}
    return value


@st.composite
def deep_nesting(draw: st.DrawFn) -> Hostile:
    # Depths a parser reads (so the event_id is known) but far beyond any real event.
    depth = draw(st.integers(min_value=70, max_value=400))
    event = draw(st.sampled_from(sorted(GA_CLIENT_TYPES)))
    return _object_case(draw, f"{event} nested {depth} deep",
                        {**VALID_GA[event], "zz_deep": _nested(depth)}, None, ANY)


@st.composite
def invalid_base64(draw: st.DrawFn) -> Hostile:
    good = base64.b64encode(draw(st.binary(max_size=200).filter(lambda b: len(b) % 2 == 0)))
    text = good.decode()
    if draw(st.booleans()) or not text:
        bad = draw(st.text(alphabet=NOT_BASE64, min_size=1, max_size=3))
        at = draw(st.integers(0, len(text)))
        text = text[:at] + bad + text[at:]
    else:  # a length no base64 text can have
        text = text + "A" if len(text) % 4 == 0 else text[: len(text) - len(text) % 4] + "A"
    return _object_case(draw, "invalid base64",
                        {"type": "input_audio_buffer.append", "audio": text},
                        frozenset({"invalid_value"}), "audio")


@st.composite
def odd_length_pcm(draw: st.DrawFn) -> Hostile:
    data = draw(st.binary(min_size=1, max_size=2001).filter(lambda b: len(b) % 2 == 1))
    return _object_case(draw, f"{len(data)} bytes of PCM16",
                        {"type": "input_audio_buffer.append",
                         "audio": base64.b64encode(data).decode()},
                        frozenset({"invalid_value"}), "audio")


def any_hostile(known: frozenset[str] = GA_CLIENT_TYPES) -> st.SearchStrategy[Hostile]:
    return st.one_of(
        non_json_text(), truncated_json(), random_bytes(), json_non_objects(),
        unknown_types(known), missing_type(), wrong_field_types(), missing_fields(),
        unknown_keys_top(), unknown_keys_nested(), deep_nesting(), invalid_base64(),
        odd_length_pcm(),
    )


# -- session helpers ---------------------------------------------------------------------------


def _manual_mode(dialect: Dialect) -> str:
    if dialect == "beta":
        return json.dumps({"type": "session.update", "session": {"turn_detection": None}})
    return json.dumps({"type": "session.update", "session": {
        "type": "realtime", "audio": {"input": {"turn_detection": None}}}})


def pcm_ms(ms: int) -> bytes:
    """``ms`` of quiet PCM16 at 24 kHz (48 bytes per ms)."""
    return b"\x01\x00" * (ms * 24)


def append_frame(audio: bytes, event_id: str | None = None) -> str:
    event: dict[str, Any] = {"type": "input_audio_buffer.append",
                             "audio": base64.b64encode(audio).decode()}
    if event_id is not None:
        event["event_id"] = event_id
    return json.dumps(event)


def primed_session(dialect: Dialect = "ga") -> MockSession:
    """A session with something to lose: manual turns, one user item, 50 ms of audio."""
    session = MockSession(dialect=dialect, seed=7)
    session.opening()
    for frame in (_manual_mode(dialect), rt.create_item(rt.user_text("first")).to_json(dialect),
                  append_frame(pcm_ms(50))):
        step = session.receive(frame)
        assert not [e for e in step.events if e.type == "error"], step.events
    assert len(session.conversation) == 1
    assert session.buffer.buffered_ms == 50
    return session


def snapshot(session: MockSession) -> tuple[Any, ...]:
    """Everything a refused event must leave as it was."""
    return (
        msgspec.json.encode(session.session),
        [msgspec.json.encode(item) for item in session.conversation],
        session.conversation.id,
        session.buffer.start_ms, session.buffer.buffered_ms, session.buffer.end_ms,
        session.active, dict(session.runs), session.voice_locked, session.token_budget,
    )


def check_error(wire: dict[str, Any], case: Hostile, dialect: Dialect = "ga") -> None:
    """``wire`` is the one reply ``case`` deserves."""
    model: Any = (BetaErrorEvent if dialect == "beta" else RealtimeErrorEvent).model_validate(wire)
    assert model.type == "error"
    assert isinstance(wire["event_id"], str) and wire["event_id"].startswith("event_")
    error = wire["error"]
    assert error["type"] == "invalid_request_error"
    assert isinstance(error["message"], str) and error["message"].strip()
    # Errors quote the input, but never a megabyte of it.
    assert len(error["message"]) <= MAX_MESSAGE_CHARS
    assert error["event_id"] == case.event_id
    assert model.error.event_id == case.event_id
    if case.codes is not None:
        assert error["code"] in case.codes
    if case.param is not ANY:
        expected = case.param
        if isinstance(expected, str) and len(expected) > MAX_PARAM_CHARS:
            assert len(error["param"]) == MAX_PARAM_CHARS
            expected = expected[: MAX_PARAM_CHARS - len(TRUNCATED)] + TRUNCATED
        assert error["param"] == expected


def refuse(session: MockSession, case: Hostile, dialect: Dialect = "ga") -> dict[str, Any]:
    """Feed ``case`` to ``session``: exactly one error back, and no change at all."""
    before = snapshot(session)
    step = session.receive(case.frame)
    assert step.streams == []  # no response, no transcription
    assert [event.type for event in step.events] == ["error"]
    wire = json.loads(step.events[0].to_json(dialect))
    check_error(wire, case, dialect)
    assert snapshot(session) == before
    return wire


def text_exchange(session: MockSession, dialect: Dialect = "ga") -> list[Any]:
    """A user text item and a text response; returns the response's events."""
    step = session.receive(rt.create_item(rt.user_text("still there?")).to_json(dialect))
    expected = ["conversation.item.created"] if dialect == "beta" else [
        "conversation.item.added", "conversation.item.done"]
    assert [event.type for event in step.events] == expected
    step = session.receive(rt.create_response(output_modalities=["text"]).to_json(dialect))
    assert step.events == [] and len(step.runs) == 1
    events = [emit.event for emit in step.runs[0].events()]
    assert events[0].type == "response.created"
    done = [event for event in events if event.type == "response.done"]
    assert len(done) == 1 and done[0].response.status == "completed"
    assert "error" not in [event.type for event in events]
    return events


FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])


# -- fuzz: MockSession -------------------------------------------------------------------------


CATEGORIES: dict[str, Callable[[], st.SearchStrategy[Hostile]]] = {
    "non_json_text": non_json_text,
    "truncated_json": truncated_json,
    "random_bytes": random_bytes,
    "json_non_objects": json_non_objects,
    "unknown_types": lambda: unknown_types(GA_CLIENT_TYPES),
    "missing_type": missing_type,
    "wrong_field_types": wrong_field_types,
    "missing_fields": missing_fields,
    "unknown_keys_top": unknown_keys_top,
    "unknown_keys_nested": unknown_keys_nested,
    "deep_nesting": deep_nesting,
    "invalid_base64": invalid_base64,
    "odd_length_pcm": odd_length_pcm,
}


@pytest.mark.parametrize("category", list(CATEGORIES))
@FUZZ
@given(data=st.data())
def test_session_refuses(category: str, data: st.DataObject) -> None:
    case = data.draw(CATEGORIES[category](), label="case")
    session = primed_session("ga")
    refuse(session, case)
    text_exchange(session)


# Beta speaks the same errors; only the dialect-neutral kinds of damage are fuzzed.
BETA_CATEGORIES = st.one_of(
    non_json_text(), truncated_json(), random_bytes(), json_non_objects(),
    unknown_types(BETA_CLIENT_TYPES), missing_type(), invalid_base64(), odd_length_pcm(),
    deep_nesting(),
)


@FUZZ
@given(case=BETA_CATEGORIES)
def test_beta_session_refuses_hostile_frames(case: Hostile) -> None:
    session = primed_session("beta")
    refuse(session, case, "beta")
    text_exchange(session, "beta")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
@given(cases=st.lists(any_hostile(), min_size=2, max_size=15))
def test_session_survives_a_stream_of_hostile_frames(cases: list[Hostile]) -> None:
    session = primed_session("ga")
    for case in cases:
        refuse(session, case)
    text_exchange(session)
    text_exchange(session)


def test_append_without_audio_is_a_missing_parameter() -> None:
    """protocol.md §5(i): a missing required field is ``missing_required_parameter``."""
    session = primed_session()
    wire = refuse(session, Hostile("append without audio", json.dumps(
        {"type": "input_audio_buffer.append", "event_id": "evt_noaudio"}), "evt_noaudio"))
    assert wire["error"]["code"] == "missing_required_parameter"
    assert wire["error"]["param"] == "audio"
    assert wire["error"]["message"] == "Missing required parameter: 'audio'."


HUGE = 1024 * 1024


def _huge_cases() -> Iterator[Hostile]:
    big = "x" * HUGE
    yield Hostile("1 MiB of non-JSON text", "<" + big, None, INVALID_JSON, None)
    yield Hostile("1 MiB of random-ish bytes", bytes(range(256)) * (HUGE // 256), None,
                  INVALID_JSON, None)
    yield Hostile("1 MiB type", json.dumps({"type": big, "event_id": "evt_t"}), "evt_t",
                  frozenset({"invalid_value"}), "type")
    yield Hostile("1 MiB unknown key", json.dumps(
        {"type": "input_audio_buffer.clear", "event_id": "evt_k", "zz" + big: 1}), "evt_k",
        frozenset({"unknown_parameter"}), "zz" + big)
    yield Hostile("1 MiB event_id", json.dumps({"type": "nope", "event_id": big}), big,
                  frozenset({"invalid_value"}), "type")
    yield Hostile("1 MiB item_id", json.dumps(
        {"type": "conversation.item.delete", "event_id": "evt_i", "item_id": big}), "evt_i")
    yield Hostile("1 MiB of invalid base64", json.dumps(
        {"type": "input_audio_buffer.append", "audio": "@" * HUGE}), None,
        frozenset({"invalid_value"}), "audio")
    yield Hostile("odd PCM of 1 MiB + 1 byte", append_frame(bytes(HUGE + 1), "evt_o"), "evt_o",
                  frozenset({"invalid_value"}), "audio")
    yield Hostile("1 MiB tool description", json.dumps({
        "type": "session.update", "event_id": "evt_d", "session": {
            "type": "realtime", "tools": [{"type": "function", "name": "f", "description": big}]}}),
        "evt_d", None, "session.tools[0].description")


@pytest.mark.parametrize("case", list(_huge_cases()), ids=lambda c: c.label)
def test_session_refuses_huge_strings(case: Hostile) -> None:
    session = primed_session()
    refuse(session, case)
    text_exchange(session)


@pytest.mark.parametrize("frame", [
    "[" * 10_000 + "]" * 10_000,
    "{" + '"a":{' * 10_000 + "}" * 10_001,
    '{"event_id":"evt_deep","type":"input_audio_buffer.clear","x":' + "[" * 10_000
    + "]" * 10_000 + "}",
    "[" * 100_000,
], ids=["array", "object", "inside-event", "unclosed"])
def test_session_refuses_10000_levels_of_nesting(frame: str) -> None:
    # Beyond what the parser reads, the frame is unparsable: its event_id is unknown (null).
    session = primed_session()
    refuse(session, Hostile("deep", frame, None, INVALID_JSON, None))
    text_exchange(session)


@pytest.mark.parametrize("depth", [65, 100, 500])
def test_deep_but_parsable_nesting_keeps_the_event_id(depth: int) -> None:
    session = primed_session()
    frame = json.dumps({"type": "input_audio_buffer.clear", "event_id": "evt_nest",
                        "x": _nested(depth)})
    refuse(session, Hostile("deep", frame, "evt_nest"))
    text_exchange(session)


# -- fuzz: over a socket -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def background_server() -> Iterator[BackgroundMockServer]:
    handle = MockServer.start_in_background(seed=3)
    try:
        yield handle
    finally:
        handle.stop()


def recv_json(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=timeout))  # type: ignore[no-any-return]


def sync_text_exchange(ws: ClientConnection) -> dict[str, Any]:
    ws.send(rt.create_item(rt.user_text("still there?")).to_json())
    ws.send(rt.create_response(output_modalities=["text"]).to_json())
    while True:
        event = recv_json(ws)
        assert event["type"] != "error", event
        if event["type"] == "response.done":
            assert event["response"]["status"] == "completed"
            return event


PROBE = json.dumps({"type": "conversation.item.retrieve", "event_id": "evt_probe",
                    "item_id": "item_probe"})


BINARY = Hostile("binary frame", b"", None, frozenset({"invalid_event"}), None)
"""What any binary message gets over a socket, whatever it holds (protocol.md §5 i)."""


def socket_refuses(ws: ClientConnection, case: Hostile) -> None:
    """Send ``case`` then a probe: the replies are exactly (case's error, probe's error).

    A ``bytes`` frame goes out as a binary message, which the service refuses as such
    before reading it.
    """
    ws.send(case.frame)
    ws.send(PROBE)
    first, second = recv_json(ws), recv_json(ws)
    assert first["type"] == "error", first
    check_error(first, BINARY if isinstance(case.frame, bytes) else case)
    assert second["type"] == "error" and second["error"]["event_id"] == "evt_probe", second


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
@given(case=any_hostile())
def test_socket_refuses_hostile_frames(background_server: BackgroundMockServer,
                                       case: Hostile) -> None:
    with sync_connect(background_server.url, max_size=None, open_timeout=5,
                      close_timeout=2) as ws:
        assert recv_json(ws)["type"] == "session.created"  # GA: no conversation.created
        socket_refuses(ws, case)
        sync_text_exchange(ws)


@pytest.mark.parametrize("case", list(_huge_cases()), ids=lambda c: c.label)
def test_socket_refuses_huge_strings(background_server: BackgroundMockServer,
                                     case: Hostile) -> None:
    with sync_connect(background_server.url, max_size=None, open_timeout=5,
                      close_timeout=2) as ws:
        recv_json(ws)  # session.created
        socket_refuses(ws, case)
        socket_refuses(ws, Hostile("nesting", "[" * 10_000 + "]" * 10_000, None, INVALID_JSON))
        sync_text_exchange(ws)


# -- frame size ------------------------------------------------------------------------------


async def _opening(ws: Any) -> list[str]:
    return [json.loads(await asyncio.wait_for(ws.recv(), 5))["type"]]


async def _async_text_exchange(ws: Any) -> dict[str, Any]:
    await ws.send(rt.create_item(rt.user_text("still there?")).to_json())
    await ws.send(rt.create_response(output_modalities=["text"]).to_json())
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert event["type"] != "error", event
        if event["type"] == "response.done":
            return event


async def _closed_by(ws: Any) -> ConnectionClosed:
    while True:
        try:
            await asyncio.wait_for(ws.recv(), 5)
        except ConnectionClosed as closed:
            return closed


def test_frame_limit_default() -> None:
    assert MAX_FRAME_BYTES == 32 * 1024 * 1024
    assert MockServer().max_size == MAX_FRAME_BYTES


def test_oversized_frame_closes_only_its_connection_with_1009() -> None:
    limit = 1024 * 1024

    async def scenario() -> None:
        async with MockServer(seed=1, max_size=limit) as server:
            async with connect(server.url, max_size=None) as other, \
                    connect(server.url, max_size=None) as big:
                assert await _opening(other) == ["session.created"]
                assert await _opening(big) == ["session.created"]
                frame = append_frame(bytes(limit), "evt_big")  # about 1.33 MiB of JSON
                assert len(frame) > limit * 1.3
                await big.send(frame)
                closed = await _closed_by(big)
                assert closed.rcvd is not None and closed.rcvd.code == 1009
                done = await _async_text_exchange(other)
                assert done["response"]["status"] == "completed"
            # A frame just under the limit is read (and refused only for its content).
            async with connect(server.url, max_size=None) as ws:
                await _opening(ws)
                await ws.send(json.dumps({"type": "nope", "event_id": "x" * (limit - 100)}))
                event = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert event["type"] == "error" and event["error"]["code"] == "invalid_value"

    asyncio.run(asyncio.wait_for(scenario(), 20))


def test_frame_over_the_real_limit_closes_with_1009() -> None:
    async def scenario() -> None:
        async with MockServer(seed=1) as server:
            ws = await connect(server.url, max_size=None)
            try:
                await _opening(ws)
                await ws.send(b"[" * (MAX_FRAME_BYTES + 1))
                closed = await _closed_by(ws)
                assert closed.rcvd is not None and closed.rcvd.code == 1009
            finally:
                # websockets' client fails to close() an already closed connection here.
                if ws.state is not State.CLOSED:
                    await ws.close()

    asyncio.run(asyncio.wait_for(scenario(), 20))


# -- memory bounds -----------------------------------------------------------------------------


def test_buffer_cap_is_read_where_appends_are_checked() -> None:
    # The session module checks appends against its own names for the caps.
    assert session_module.MAX_BUFFERED_MS == MAX_BUFFERED_MS == 10 * 60 * 1000
    assert session_module.MAX_APPEND_BYTES == MAX_APPEND_BYTES == 15 * 1024 * 1024


def test_appends_past_the_buffer_cap_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_module, "MAX_BUFFERED_MS", 1000)
    session = MockSession(seed=1)
    session.opening()
    assert session.receive(_manual_mode("ga")).events[0].type == "session.updated"
    for _ in range(2):
        assert session.receive(append_frame(pcm_ms(400))).events == []
    assert session.buffer.buffered_ms == 800
    for attempt in range(3):
        wire = refuse(session, Hostile("over cap", append_frame(pcm_ms(400), f"evt_{attempt}"),
                                       f"evt_{attempt}"))
        assert wire["error"]["param"] == "audio"
        assert session.buffer.buffered_ms == 800
    assert session.receive(append_frame(pcm_ms(200))).events == []  # exactly at the cap
    assert session.buffer.buffered_ms == 1000
    refuse(session, Hostile("one more sample", append_frame(b"\0\0", "evt_1"), "evt_1"))
    assert session.buffer.buffered_ms == 1000
    # Committing frees the buffer; appending works again.
    step = session.receive(json.dumps({"type": "input_audio_buffer.commit"}))
    assert step.events[0].type == "input_audio_buffer.committed"
    assert session.buffer.buffered_ms == 0
    assert session.receive(append_frame(pcm_ms(400))).events == []
    text_exchange(session)


def test_buffer_cap_holds_while_vad_hears_speech(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_module, "MAX_BUFFERED_MS", 1000)
    session = MockSession(seed=1)  # server VAD: audio since speech began stays buffered
    session.opening()
    loud = (b"\x00\x40\x00\xc0") * (200 * 12)  # 200 ms of a loud square wave
    seen: list[str] = []
    for index in range(15):
        step = session.receive(append_frame(loud, f"evt_{index}"))
        seen += [event.type for event in step.events]
        for event in step.events:
            if event.type == "error":
                assert event.error.type == "invalid_request_error"
                assert event.error.event_id == f"evt_{index}"
        for run in step.runs:
            list(run.events())
        assert session.buffer.buffered_ms <= 1000
    assert "input_audio_buffer.speech_started" in seen
    # A turn as long as the buffer is ended there (not refused, which would wedge VAD).
    assert "input_audio_buffer.speech_stopped" in seen
    assert "error" not in seen


def test_real_buffer_cap_with_15_mib_appends() -> None:
    session = MockSession(seed=1)
    session.opening()
    session.receive(_manual_mode("ga"))
    chunk = bytes(MAX_APPEND_BYTES)  # 327.68 s of PCM16: two exceed the 10 minute cap
    assert session.receive(append_frame(chunk)).events == []
    held = session.buffer.buffered_ms
    assert held == MAX_APPEND_BYTES / 48
    refuse(session, Hostile("second 15 MiB", append_frame(chunk, "evt_2"), "evt_2"))
    assert session.buffer.buffered_ms == held <= MAX_BUFFERED_MS
    refuse(session, Hostile("over 15 MiB", append_frame(bytes(MAX_APPEND_BYTES + 2), "evt_3"),
                            "evt_3", frozenset({"invalid_value"}), "audio"))
    assert session.buffer.buffered_ms == held


def test_conversation_keeps_at_most_max_items() -> None:
    session = MockSession(seed=1)
    session.opening()
    frame = rt.create_item(rt.user_text("x")).to_json()
    for _ in range(MAX_ITEMS + 10):
        session.receive(frame)
    assert len(session.conversation) == MAX_ITEMS
    text_exchange(session)
    assert len(session.conversation) == MAX_ITEMS


def test_conversation_cap_drops_the_oldest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conversation_module, "MAX_ITEMS", 5)
    session = MockSession(seed=1)
    session.opening()
    ids = []
    for index in range(8):
        step = session.receive(rt.create_item(rt.user_text(f"n{index}")).to_json())
        ids.append(step.events[0].item.id)
    assert [item.id for item in session.conversation] == ids[-5:]
    text_exchange(session)
    assert len(session.conversation) == 5


def test_inserting_at_root_of_a_full_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full conversation and ``previous_item_id: "root"``: never an exception.

    Either the item is added (the conversation stays at its cap) or the event is
    refused with an error linked to its event_id.
    """
    monkeypatch.setattr(conversation_module, "MAX_ITEMS", 3)
    session = MockSession(seed=1)
    session.opening()
    for _ in range(3):
        session.receive(rt.create_item(rt.user_text("old")).to_json())
    frame = json.dumps({"type": "conversation.item.create", "event_id": "evt_root",
                        "previous_item_id": "root", "item": USER_ITEM})
    step = session.receive(frame)  # must not raise
    types = [event.type for event in step.events]
    if types == ["error"]:
        assert step.events[0].error.event_id == "evt_root"
    else:
        assert types == ["conversation.item.added", "conversation.item.done"]
        assert step.events[0].item.id in session.conversation
    assert len(session.conversation) == 3
    text_exchange(session)


# -- known error shapes (protocol.md §5 i) -----------------------------------------------------


def _error(session: MockSession, event: dict[str, Any]) -> dict[str, Any]:
    return refuse(session, Hostile("shape", json.dumps(event), event.get("event_id")))["error"]


def test_unknown_parameter_names_its_path() -> None:
    session = primed_session()
    error = _error(session, {"type": "session.update", "event_id": "evt_u", "session": {
        "type": "realtime", "tools": [{"type": "function", "name": "a"},
                                      {"type": "function", "name": "b"},
                                      {"type": "function", "name": "c", "meta": {}}]}})
    assert error == {"type": "invalid_request_error", "code": "unknown_parameter",
                     "message": "Unknown parameter: 'session.tools[2].meta'.",
                     "param": "session.tools[2].meta", "event_id": "evt_u"}


def test_ga_session_update_without_type() -> None:
    session = primed_session()
    error = _error(session, {"type": "session.update", "event_id": "evt_s",
                             "session": {"instructions": "Be terse.", "tools": []}})
    assert error == {"type": "invalid_request_error", "code": "missing_required_parameter",
                     "message": "Missing required parameter: 'session.type'.",
                     "param": "session.type", "event_id": "evt_s"}
    assert session.session.instructions != "Be terse."  # nothing applied (refuse checked all)


@pytest.mark.parametrize(("appended_ms", "shown"), [(0, "0.00"), (50, "50.00"), (99, "99.00")])
def test_commit_below_100ms(appended_ms: int, shown: str) -> None:
    session = MockSession(seed=1)
    session.opening()
    session.receive(_manual_mode("ga"))
    if appended_ms:
        session.receive(append_frame(pcm_ms(appended_ms)))
    error = _error(session, {"type": "input_audio_buffer.commit", "event_id": "evt_c"})
    assert error == {
        "type": "invalid_request_error", "code": "input_audio_buffer_commit_empty",
        "message": "Error committing input audio buffer: buffer too small. Expected at least"
                   f" 100ms of audio, but buffer only has {shown}ms of audio.",
        "param": None, "event_id": "evt_c"}
    session.receive(append_frame(pcm_ms(100 - appended_ms)))
    step = session.receive(json.dumps({"type": "input_audio_buffer.commit"}))
    assert step.events[0].type == "input_audio_buffer.committed"


def test_cancel_with_nothing_active() -> None:
    session = primed_session()
    error = _error(session, {"type": "response.cancel", "event_id": "evt_x"})
    assert error["code"] == "response_cancel_not_active"
    assert error["message"] == "Cancellation failed: no active response found"
    assert error["event_id"] == "evt_x"
    text_exchange(session)  # after a finished response there is still nothing to cancel
    assert _error(session, {"type": "response.cancel"})["code"] == "response_cancel_not_active"


@pytest.mark.parametrize("audio", ["not base64!", "@@@@", "A", "AAAAA", "AA==AA==", "😀"])
def test_invalid_base64_audio(audio: str) -> None:
    session = primed_session()
    error = _error(session, {"type": "input_audio_buffer.append", "event_id": "evt_b",
                             "audio": audio})
    assert (error["code"], error["param"], error["event_id"]) == ("invalid_value", "audio",
                                                                  "evt_b")


def test_second_response_while_one_is_active() -> None:
    session = primed_session()
    step = session.receive(rt.create_response(output_modalities=["text"]).to_json())
    active = step.runs[0].id
    error = _error(session, {"type": "response.create", "event_id": "evt_2",
                             "response": {"output_modalities": ["text"]}})
    assert error["code"] == "conversation_already_has_active_response"
    assert error["message"] == (
        f"Conversation already has an active response in progress: {active}."
        " Wait until the response is finished before creating a new one.")
    assert error["param"] is None
    list(step.runs[0].events())
    text_exchange(session)


def test_tool_description_too_long() -> None:
    session = primed_session()
    tools = [{"type": "function", "name": f"t{i}", "description": "ok"} for i in range(3)]
    tools.append({"type": "function", "name": "t3", "description": "d" * 2473})
    error = _error(session, {"type": "session.update", "event_id": "evt_l",
                             "session": {"type": "realtime", "tools": tools}})
    assert error == {
        "type": "invalid_request_error", "code": "string_above_max_length",
        "message": "Invalid 'session.tools[3].description': string too long. Expected a string"
                   " with maximum length 1024, but got a string with length 2473 instead.",
        "param": "session.tools[3].description", "event_id": "evt_l"}


# -- odd but valid input ---------------------------------------------------------------------


def _strict_json(text: str) -> Any:
    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse_constant)


@pytest.mark.parametrize("kind", ["integer", "number"])
def test_tool_arguments_from_a_400_digit_number(kind: str) -> None:
    """A user's huge number must not break the reply: ``receive`` never raises, and the
    function call's arguments are JSON."""
    session = primed_session()
    tool = {"type": "function", "name": "get_weather", "parameters": {
        "type": "object", "properties": {"days": {"type": kind}}}}
    step = session.receive(json.dumps({"type": "session.update", "session": {
        "type": "realtime", "tools": [tool]}}))
    assert step.events[0].type == "session.updated"
    session.receive(rt.create_item(rt.user_text("weather for " + "9" * 400 + " days")).to_json())
    step = session.receive(rt.create_response(output_modalities=["text"]).to_json())
    assert step.events == [] and len(step.runs) == 1
    events = [emit.event for emit in step.runs[0].events()]
    done = next(event for event in events if event.type == "response.done")
    assert done.response.status == "completed"
    arguments = next(event.arguments for event in events
                     if event.type == "response.function_call_arguments.done")
    assert isinstance(_strict_json(arguments)["days"], (int, float))
