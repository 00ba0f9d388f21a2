"""Property tests: encode -> decode gives back the same value, in both dialects."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import realtime_nb as rt
from realtime_nb.wire import CLIENT_EVENT_TYPES, SERVER_EVENT_TYPES, Session, TranscriptionSession
from realtime_nb.wire.dialect import BETA_ONLY_TYPES, GA_ONLY_TYPES

from .strategies import for_struct

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

E = TypeVar("E", rt.ClientEvent, rt.ServerEvent)

CLIENT_CLASSES = sorted(CLIENT_EVENT_TYPES.values(), key=lambda c: c.__name__)
SERVER_CLASSES = sorted(SERVER_EVENT_TYPES.values(), key=lambda c: c.__name__)


_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _drop(data: Any, path: str) -> None:
    """Delete the field or list element at ``path`` ("a.b[2].c") from plain data."""
    steps: list[str | int] = [int(i) if i else name for name, i in _SEGMENT.findall(path)]
    for step in steps[:-1]:
        data = data[step]
    del data[steps[-1]]


def _beta_or_skip(event: E) -> tuple[E, dict[str, Any]]:
    """The event without its GA-only fields, and its beta form.

    Each field the beta dialect refuses is removed (the error names it) until
    the event translates; events that cannot translate at all are rejected.
    """
    for _ in range(50):
        try:
            return event, event.to_dict("beta")
        except rt.EventValidationError as error:
            assert error.code == "unsupported_in_dialect", error
            if error.param in ("type", "session"):
                assume(False)
            plain = msgspec.to_builtins(event)
            _drop(plain, error.param)
            try:
                event = msgspec.convert(plain, type(event))
            except msgspec.ValidationError:  # a required field had no beta form
                assume(False)
    raise AssertionError("could not make the event fit the beta dialect")


def _ga_json(event: rt.ClientEvent | rt.ServerEvent) -> str | None:
    """The GA JSON, or None when the event holds a beta-only field (the only allowed refusal)."""
    try:
        return event.to_json("ga")
    except rt.EventValidationError as error:
        assert error.code == "unsupported_in_dialect", error
        return None


@pytest.mark.parametrize("cls", CLIENT_CLASSES, ids=lambda c: c.__name__)
@SETTINGS
@given(data=st.data())
def test_client_event_ga_roundtrip(cls: type[rt.ClientEvent], data: st.DataObject) -> None:
    event = data.draw(for_struct(cls))
    wire = _ga_json(event)
    if wire is None:
        return
    assert rt.parse_client_event(wire, "ga") == event
    assert msgspec.json.decode(wire) == event.to_dict("ga")


@pytest.mark.parametrize("cls", CLIENT_CLASSES, ids=lambda c: c.__name__)
@SETTINGS
@given(data=st.data())
def test_client_event_beta_roundtrip(cls: type[rt.ClientEvent], data: st.DataObject) -> None:
    _, beta = _beta_or_skip(data.draw(for_struct(cls)))
    again = rt.parse_client_event(beta, "beta")
    # Beta's wire form is a fixed point: decoding and re-encoding changes nothing.
    assert again.to_dict("beta") == beta
    assert rt.parse_client_event(msgspec.json.encode(beta), "beta") == again


@pytest.mark.parametrize("cls", [c for c in SERVER_CLASSES if c.__struct_config__.tag
                                 not in BETA_ONLY_TYPES], ids=lambda c: c.__name__)
@SETTINGS
@given(data=st.data())
def test_server_event_ga_roundtrip(cls: type[rt.ServerEvent], data: st.DataObject) -> None:
    event = data.draw(for_struct(cls))
    wire = _ga_json(event)
    if wire is None:
        return
    assert rt.parse_server_event(wire, "ga") == event


@pytest.mark.parametrize("cls", [c for c in SERVER_CLASSES if c.__struct_config__.tag
                                 not in GA_ONLY_TYPES], ids=lambda c: c.__name__)
@SETTINGS
@given(data=st.data())
def test_server_event_beta_roundtrip(cls: type[rt.ServerEvent], data: st.DataObject) -> None:
    _, beta = _beta_or_skip(data.draw(for_struct(cls)))
    again = rt.parse_server_event(msgspec.json.encode(beta), "beta")
    assert not isinstance(again, rt.UnknownServerEvent)
    assert again.to_dict("beta") == beta


@SETTINGS
@given(session=for_struct(Session))
def test_session_roundtrips_through_session_update(session: Session) -> None:
    try:
        event = rt.session_update(session)
        wire = event.to_json()
    except rt.EventValidationError as error:
        assert error.code == "unsupported_in_dialect", error
        return
    assert event.session == session
    assert rt.parse_client_event(wire) == event


@SETTINGS
@given(session=for_struct(TranscriptionSession))
def test_transcription_session_uses_its_own_beta_event(session: TranscriptionSession) -> None:
    _, beta = _beta_or_skip(rt.session_update(session))
    assert beta["type"] == "transcription_session.update"
    assert rt.parse_client_event(beta, "beta").to_dict("beta") == beta


@pytest.mark.parametrize("kind", sorted(GA_ONLY_TYPES))
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_ga_only_server_events_refuse_beta(kind: str, data: st.DataObject) -> None:
    event = data.draw(for_struct(SERVER_EVENT_TYPES[kind]))
    with pytest.raises(rt.EventValidationError) as info:
        event.to_dict("beta")
    assert info.value.param == "type"
    assert info.value.code == "unsupported_in_dialect"
