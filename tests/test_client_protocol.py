"""Tests for :class:`realtime_nb.client_protocol.ClientProtocol` (no I/O, no network).

Server frames are written by hand as JSON text, in the shapes of
:mod:`realtime_nb.wire.server_events`, so each test shows exactly what arrived.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import realtime_nb as rt
from realtime_nb.client_protocol import LINK_MEMORY, ClientProtocol, Incoming, Outgoing
from realtime_nb.errors import DecodeError, EventValidationError, ServerError
from realtime_nb.wire.client_events import SessionUpdate

JSON = dict[str, Any]

_counter = iter(range(1, 1_000_000))


def _frame(kind: str, **fields: Any) -> str:
    """A server event as JSON text, with a fresh server ``event_id``."""
    return json.dumps({"type": kind, "event_id": f"event_{next(_counter)}", **fields})


def _message(role: str, text: str, item_id: str | None = None) -> JSON:
    part = "output_text" if role == "assistant" else "input_text"
    item: JSON = {"type": "message", "role": role, "content": [{"type": part, "text": text}]}
    if item_id is not None:
        item["id"] = item_id
    return item


def _item_added(item: JSON) -> str:
    return _frame("conversation.item.added", previous_item_id=None, item=item)


def _error(event_id: str | None, message: str = "bad") -> str:
    error: JSON = {"type": "invalid_request_error", "code": "invalid_value",
                   "message": message, "param": None}
    if event_id is not None:
        error["event_id"] = event_id
    return _frame("error", error=error)


def _response(kind: str, response_id: str, status: str) -> str:
    return _frame(kind, response={"object": "realtime.response", "id": response_id,
                                  "status": status, "output": []})


def _session_event(kind: str, **session: Any) -> str:
    return _frame(kind, session={"type": "realtime", **session})


def _send(protocol: ClientProtocol, event: Any) -> Outgoing:
    outgoing = protocol.prepare(event)
    protocol.record_sent(outgoing)
    return outgoing


# -- prepare --------------------------------------------------------------------------------


def test_prepare_assigns_evt_ids_unique_across_protocols() -> None:
    first, second = ClientProtocol(), ClientProtocol()
    a = first.prepare(rt.clear_audio()).event_id
    b = second.prepare(rt.clear_audio()).event_id
    assert a.startswith("evt_") and b.startswith("evt_")
    assert re.fullmatch(r"evt_\w+_1", a) and re.fullmatch(r"evt_\w+_1", b)
    assert a != b  # different random prefixes


def test_prepare_ids_are_sequential_within_one_protocol() -> None:
    protocol = ClientProtocol()
    ids = [protocol.prepare(rt.commit_audio()).event_id for _ in range(3)]
    prefix = ids[0][:-1]
    assert ids == [prefix + "1", prefix + "2", prefix + "3"]
    assert len(set(ids)) == 3


def test_prepare_with_id_prefix() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    outgoing = protocol.prepare(rt.clear_audio())
    assert outgoing.event_id == "p_1"
    assert outgoing.event.event_id == "p_1"
    assert json.loads(outgoing.text) == {"type": "input_audio_buffer.clear", "event_id": "p_1"}


def test_prepare_keeps_an_event_id_of_its_own() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    outgoing = protocol.prepare(rt.clear_audio(event_id="mine"))
    assert outgoing.event_id == "mine"
    assert json.loads(outgoing.text)["event_id"] == "mine"
    assert protocol.prepare({"type": "input_audio_buffer.clear", "event_id": "dict-id"}
                            ).event_id == "dict-id"
    assert protocol.prepare(rt.clear_audio()).event_id == "p_1"  # no id was used up


def test_prepare_builder_event_is_not_changed() -> None:
    event = rt.clear_audio()
    ClientProtocol().prepare(event)
    assert event.event_id is None


def test_prepare_dict_is_read_in_beta_and_reencoded_in_beta() -> None:
    protocol = ClientProtocol("beta", id_prefix="b_")
    beta = {"type": "response.create", "response": {"modalities": ["text"]}}
    outgoing = protocol.prepare(beta)
    assert json.loads(outgoing.text) == {"type": "response.create", "event_id": "b_1",
                                         "response": {"modalities": ["text"]}}
    assert isinstance(outgoing.event, rt.ClientEvent)
    assert outgoing.event.to_dict("ga")["response"] == {"output_modalities": ["text"]}


def test_prepare_beta_dict_refused_by_ga_protocol() -> None:
    protocol = ClientProtocol("ga")
    beta = {"type": "response.create", "response": {"modalities": ["text"]}}
    with pytest.raises(EventValidationError) as info:
        protocol.prepare(beta)
    assert info.value.param == "response.modalities"
    assert "modalities" in str(info.value)


def test_prepare_beta_session_dict_refused_by_ga_protocol() -> None:
    protocol = ClientProtocol("ga")
    with pytest.raises(EventValidationError) as info:
        protocol.prepare({"type": "session.update",
                          "session": {"type": "realtime", "modalities": ["text"]}})
    assert info.value.param == "session.modalities"


def test_prepare_dict_is_validated_strictly() -> None:
    protocol = ClientProtocol("ga")
    with pytest.raises(EventValidationError) as info:
        protocol.prepare({"type": "input_audio_buffer.clear", "surprise": 1})
    assert "surprise" in info.value.param
    with pytest.raises(EventValidationError) as info:
        protocol.prepare({"type": "no.such.event"})
    assert info.value.param == "type"


@pytest.mark.parametrize("value", [42, "input_audio_buffer.clear", None, [1]])
def test_prepare_non_event_is_refused(value: Any) -> None:
    with pytest.raises(EventValidationError) as info:
        ClientProtocol().prepare(value)
    assert info.value.code == "invalid_type"


def test_prepare_ga_only_field_refused_for_beta() -> None:
    protocol = ClientProtocol("beta")
    event = rt.session_update({"truncation": "disabled"})
    with pytest.raises(EventValidationError) as info:
        protocol.prepare(event)
    assert info.value.param == "session.truncation"
    assert info.value.code == "unsupported_in_dialect"
    # The same event is fine in GA.
    assert '"truncation":"disabled"' in ClientProtocol("ga").prepare(event).text


def test_failed_prepare_records_nothing() -> None:
    protocol = ClientProtocol("beta")
    with pytest.raises(EventValidationError):
        protocol.prepare(rt.session_update({"truncation": "disabled"}))
    assert protocol.sent == 0
    assert protocol.requested_session == {}


# -- receive --------------------------------------------------------------------------------


def test_receive_parses_a_typed_event() -> None:
    protocol = ClientProtocol()
    incoming = protocol.receive(_frame("response.output_text.delta", response_id="resp_1",
                                       item_id="item_1", output_index=0, content_index=0,
                                       delta="Hel"))
    assert isinstance(incoming, Incoming)
    assert isinstance(incoming.event, rt.wire.ResponseOutputTextDelta)
    assert incoming.event.delta == "Hel"
    assert incoming.error is None
    assert incoming.answers == ()
    assert protocol.received == 1


def test_receive_accepts_bytes() -> None:
    incoming = ClientProtocol().receive(_frame("input_audio_buffer.cleared").encode())
    assert incoming.event.type == "input_audio_buffer.cleared"


def test_receive_unknown_type_is_kept() -> None:
    incoming = ClientProtocol().receive(_frame("brand.new.event", x=1))
    assert isinstance(incoming.event, rt.UnknownServerEvent)
    assert incoming.event.raw["x"] == 1


def test_receive_beta_frames_become_ga_twins() -> None:
    protocol = ClientProtocol("beta")
    delta = protocol.receive(_frame("response.text.delta", response_id="resp_1",
                                    item_id="item_1", output_index=0, content_index=0,
                                    delta="Hi"))
    assert isinstance(delta.event, rt.wire.ResponseOutputTextDelta)
    assert delta.event.type == "response.output_text.delta"
    updated = protocol.receive(_frame("session.updated", session={
        "modalities": ["text"], "voice": "alloy", "instructions": "Be brief."}))
    assert isinstance(updated.event, rt.wire.SessionUpdated)
    assert isinstance(updated.event.session, rt.wire.Session)
    session = updated.event.session.to_dict()
    assert session["output_modalities"] == ["text"]
    assert session["audio"]["output"]["voice"] == "alloy"


def test_error_linked_to_sent_event() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.truncate_item("item_1", 0, 1500))
    incoming = protocol.receive(_error(sent.event_id, "audio_end_ms too large"))
    assert isinstance(incoming.error, ServerError)
    assert incoming.error.client_event is sent.event
    assert incoming.error.event is incoming.event
    assert incoming.answers == (sent.event_id,)
    assert list(protocol.errors) == [incoming.error]
    assert "conversation.item.truncate" in str(incoming.error)


def test_error_naming_unknown_id() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    _send(protocol, rt.clear_audio())
    incoming = protocol.receive(_error("evt_never_sent"))
    assert isinstance(incoming.error, ServerError)
    assert incoming.error.client_event is None
    assert incoming.answers == ()
    assert list(protocol.errors) == [incoming.error]


def test_error_naming_no_id() -> None:
    protocol = ClientProtocol()
    _send(protocol, rt.clear_audio())
    incoming = protocol.receive(_error(None))
    assert incoming.error is not None and incoming.error.client_event is None
    assert incoming.answers == ()


def test_error_for_a_prepared_but_unsent_event_is_not_linked() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    prepared = protocol.prepare(rt.clear_audio())
    incoming = protocol.receive(_error(prepared.event_id))
    assert incoming.error is not None and incoming.error.client_event is None


@pytest.mark.parametrize("frame", ["{not json", "[1, 2]", "42", b"\xff\xfe",
                                   '{"type": "response.done", "response": 5}'])
def test_receive_malformed_is_decode_error(frame: str | bytes) -> None:
    with pytest.raises(DecodeError):
        ClientProtocol().receive(frame)


def test_decode_error_is_exported() -> None:
    assert rt.DecodeError is DecodeError


# -- replies --------------------------------------------------------------------------------


def test_clear_answered_by_cleared() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.clear_audio())
    assert protocol.receive(_frame("input_audio_buffer.cleared")).answers == (sent.event_id,)


def test_commit_answered_by_committed() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.commit_audio())
    incoming = protocol.receive(_frame("input_audio_buffer.committed", item_id="item_9",
                                       previous_item_id=None))
    assert incoming.answers == (sent.event_id,)


def test_session_update_answered_by_session_updated() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.session_update({"instructions": "Be brief."}))
    assert protocol.receive(_session_event("session.created")).answers == ()
    incoming = protocol.receive(_session_event("session.updated", instructions="Be brief."))
    assert incoming.answers == (sent.event_id,)


def test_item_create_with_id_answered_only_by_that_item() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.create_item(_message("user", "hi", "item_mine")))
    other = protocol.receive(_item_added(_message("user", "hi", "item_other")))
    assert other.answers == ()
    mine = protocol.receive(_item_added(_message("user", "hi", "item_mine")))
    assert mine.answers == (sent.event_id,)


def test_item_create_without_id_answered_by_same_kind_and_role() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.create_item(rt.user_text("hello")))
    assistant = protocol.receive(_item_added(_message("assistant", "x", "item_a")))
    assert assistant.answers == ()
    call_output = protocol.receive(_item_added({"type": "function_call_output", "id": "item_f",
                                                "call_id": "call_1", "output": "{}"}))
    assert call_output.answers == ()
    user = protocol.receive(_item_added(_message("user", "hello", "item_u")))
    assert user.answers == (sent.event_id,)
    again = protocol.receive(_item_added(_message("user", "hello", "item_u2")))
    assert again.answers == ()


def test_two_item_creates_answered_in_order() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    first = _send(protocol, rt.create_item(rt.user_text("one")))
    second = _send(protocol, rt.create_item(rt.user_text("two")))
    assert protocol.receive(_item_added(_message("user", "one", "i1"))).answers == (
        first.event_id,)
    assert protocol.receive(_item_added(_message("user", "two", "i2"))).answers == (
        second.event_id,)


def test_beta_item_create_answered_by_item_created() -> None:
    protocol = ClientProtocol("beta", id_prefix="b_")
    sent = _send(protocol, rt.create_item(_message("user", "hi", "item_mine")))
    incoming = protocol.receive(_frame("conversation.item.created", previous_item_id=None,
                                       item=_message("user", "hi", "item_mine")))
    assert incoming.answers == (sent.event_id,)


@pytest.mark.parametrize(("builder", "reply"), [
    (rt.delete_item, "conversation.item.deleted"),
    (lambda item_id: rt.truncate_item(item_id, 0, 500), "conversation.item.truncated"),
])
def test_delete_and_truncate_answered_by_item_id(builder: Any, reply: str) -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, builder("item_target"))
    extra: JSON = {"content_index": 0, "audio_end_ms": 500} if "truncated" in reply else {}
    assert protocol.receive(_frame(reply, item_id="item_else", **extra)).answers == ()
    assert protocol.receive(_frame(reply, item_id="item_target", **extra)).answers == (
        sent.event_id,)


def test_retrieve_answered_by_item_id() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.retrieve_item("item_target"))
    other = protocol.receive(_frame("conversation.item.retrieved",
                                    item=_message("user", "x", "item_else")))
    assert other.answers == ()
    mine = protocol.receive(_frame("conversation.item.retrieved",
                                   item=_message("user", "x", "item_target")))
    assert mine.answers == (sent.event_id,)


def test_response_create_answered_by_response_created() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.create_response())
    incoming = protocol.receive(_response("response.created", "resp_1", "in_progress"))
    assert incoming.answers == (sent.event_id,)


def test_cancel_answered_by_cancelled_response_done() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.cancel_response())
    assert protocol.receive(_response("response.done", "resp_1", "completed")).answers == ()
    assert protocol.receive(_response("response.done", "resp_2", "cancelled")).answers == (
        sent.event_id,)


def test_cancel_with_response_id_answered_only_for_that_response() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.cancel_response("resp_target"))
    assert protocol.receive(_response("response.done", "resp_else", "cancelled")).answers == ()
    assert protocol.receive(_response("response.done", "resp_target", "cancelled")
                            ).answers == (sent.event_id,)


def test_each_event_answered_at_most_once_fifo() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    first = _send(protocol, rt.clear_audio())
    second = _send(protocol, rt.clear_audio())
    assert protocol.receive(_frame("input_audio_buffer.cleared")).answers == (first.event_id,)
    assert protocol.receive(_frame("input_audio_buffer.cleared")).answers == (second.event_id,)
    assert protocol.receive(_frame("input_audio_buffer.cleared")).answers == ()


def test_event_answered_by_error_is_not_answered_again() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    failed = _send(protocol, rt.clear_audio())
    ok = _send(protocol, rt.clear_audio())
    assert protocol.receive(_error(failed.event_id)).answers == (failed.event_id,)
    assert protocol.receive(_frame("input_audio_buffer.cleared")).answers == (ok.event_id,)
    assert protocol.receive(_frame("input_audio_buffer.cleared")).answers == ()


def test_append_has_no_reply() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.append_audio(b"\x00\x00" * 240))
    assert sent.event.replies == ()
    for frame in (_frame("input_audio_buffer.cleared"),
                  _frame("input_audio_buffer.committed", item_id="item_1"),
                  _frame("input_audio_buffer.speech_started", item_id="item_1",
                         audio_start_ms=0)):
        assert protocol.receive(frame).answers == ()
    # ...but an error still names it.
    incoming = protocol.receive(_error(sent.event_id))
    assert incoming.answers == (sent.event_id,)
    assert incoming.error is not None and incoming.error.client_event is sent.event


def test_unrecorded_event_gets_no_reply() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    protocol.prepare(rt.clear_audio())
    assert protocol.receive(_frame("input_audio_buffer.cleared")).answers == ()


# -- state ----------------------------------------------------------------------------------


def test_session_from_created_and_updated() -> None:
    protocol = ClientProtocol()
    assert protocol.session is None
    protocol.receive(_session_event("session.created", instructions="default"))
    assert isinstance(protocol.session, rt.wire.Session)
    assert protocol.session.instructions == "default"
    protocol.receive(_session_event("session.updated", instructions="changed"))
    assert protocol.session.instructions == "changed"
    protocol.receive(_frame("input_audio_buffer.cleared"))
    assert protocol.session.instructions == "changed"


def test_active_response_set_and_cleared() -> None:
    protocol = ClientProtocol()
    assert protocol.active_response is None
    protocol.receive(_response("response.created", "resp_1", "in_progress"))
    assert protocol.active_response == "resp_1"
    protocol.receive(_frame("response.output_text.delta", response_id="resp_1",
                            item_id="item_1", output_index=0, content_index=0, delta="x"))
    assert protocol.active_response == "resp_1"
    protocol.receive(_response("response.done", "resp_1", "completed"))
    assert protocol.active_response is None


def test_requested_session_merges_nested_fields() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    assert protocol.restore_event() is None
    _send(protocol, rt.session_update({"instructions": "Be brief.",
                                       "audio": {"output": {"speed": 1.1}}}))
    _send(protocol, rt.session_update({"audio": {"output": {"voice": "marin"}}}))
    assert protocol.requested_session["instructions"] == "Be brief."
    assert protocol.requested_session["audio"]["output"] == {"speed": 1.1, "voice": "marin"}

    restore = protocol.restore_event()
    assert restore is not None
    assert isinstance(restore.event, SessionUpdate)
    wire = json.loads(restore.text)
    assert wire["type"] == "session.update"
    assert wire["event_id"] == restore.event_id
    assert wire["session"]["instructions"] == "Be brief."
    assert wire["session"]["audio"]["output"] == {"voice": "marin", "speed": 1.1}


def test_later_update_overrides_earlier_value() -> None:
    protocol = ClientProtocol()
    _send(protocol, rt.session_update({"instructions": "one"}))
    _send(protocol, rt.session_update({"instructions": "two"}))
    restore = protocol.restore_event()
    assert restore is not None
    assert json.loads(restore.text)["session"]["instructions"] == "two"


def test_restore_event_in_beta_is_beta() -> None:
    protocol = ClientProtocol("beta")
    _send(protocol, rt.session_update({"instructions": "Be brief."}))
    _send(protocol, rt.session_update({"audio": {"output": {"voice": "marin"}}}))
    restore = protocol.restore_event()
    assert restore is not None
    assert json.loads(restore.text)["session"] == {"instructions": "Be brief.", "voice": "marin"}


def test_restore_event_none_before_any_update() -> None:
    protocol = ClientProtocol()
    _send(protocol, rt.clear_audio())
    protocol.receive(_session_event("session.created", instructions="server default"))
    assert protocol.restore_event() is None


def test_prepared_but_unsent_update_is_not_requested() -> None:
    protocol = ClientProtocol()
    protocol.prepare(rt.session_update({"instructions": "never sent"}))
    assert protocol.requested_session == {}
    assert protocol.restore_event() is None


def test_counts_and_sent_event() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    sent = _send(protocol, rt.clear_audio())
    protocol.receive(_frame("input_audio_buffer.cleared"))
    assert (protocol.sent, protocol.received) == (1, 1)
    assert protocol.sent_event(sent.event_id) is sent.event
    assert protocol.sent_event("p_999") is None
    assert "sent=1" in repr(protocol) and "received=1" in repr(protocol)


# -- bounds ---------------------------------------------------------------------------------


def test_link_memory_forgets_the_oldest() -> None:
    protocol = ClientProtocol("ga", id_prefix="p_")
    first = _send(protocol, rt.commit_audio())
    event = rt.commit_audio()
    for _ in range(LINK_MEMORY + 9):
        protocol.record_sent(protocol.prepare(event))
    last_id = f"p_{LINK_MEMORY + 10}"
    assert protocol.sent == LINK_MEMORY + 10
    assert protocol.sent_event(first.event_id) is None
    assert protocol.sent_event("p_10") is None
    assert protocol.sent_event("p_11") is not None
    assert protocol.sent_event(last_id) is not None

    forgotten = protocol.receive(_error(first.event_id))
    assert forgotten.error is not None and forgotten.error.client_event is None
    assert forgotten.answers == ()
    remembered = protocol.receive(_error(last_id))
    assert remembered.error is not None and remembered.error.client_event is not None
    assert remembered.answers == (last_id,)


def test_a_change_of_session_type_restores_only_the_new_kind() -> None:
    protocol = ClientProtocol("ga")
    _send(protocol, rt.session_update({"instructions": "x"}))
    transcription = {"type": "transcription", "audio": {"input": {"format": {
        "type": "audio/pcm", "rate": 24000}}}}
    _send(protocol, rt.session_update(transcription))
    restore = protocol.restore_event()
    assert restore is not None
    assert restore.event.session.to_dict() == transcription
