"""The event forms: every field of every client event, the JSON they preview, what they send.

Headless: ipywidgets without a kernel keeps every trait in Python, which is what
the browser would be sent. Values go in through ``form.set`` and through the
widgets' own ``value`` (as typing does); the events built are compared with the
builders' for the same values, in both dialects.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import msgspec
import msgspec.inspect as mi
import numpy as np
import pytest

import realtime_nb as rt
from realtime_nb.state.playback import Interruption
from realtime_nb.widgets.fields import FIELD_KINDS, event_spec, event_specs
from realtime_nb.widgets.forms import SUMMARY_BYTES, EventForm, EventForms
from realtime_nb.wire import CLIENT_EVENT_TYPES, AudioConfig, AudioInput, AudioPCMU, Session

DIALECTS = ("ga", "beta")
TOOL = {"type": "function", "name": "get_weather", "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}


def text_of(widget: Any) -> str:
    """An HTML widget's text, as a reader sees it."""
    return html.unescape(re.sub(r"<[^>]+>", "", widget.value))


def preview_json(form: EventForm) -> Any:
    """The JSON in the form's preview, parsed."""
    match = re.search(r"<pre[^>]*>(.*)</pre>", form.preview.value, re.DOTALL)
    assert match is not None, form.preview.value
    return json.loads(html.unescape(match.group(1)))


# -- a session that only records ---------------------------------------------------------------


@dataclass
class FakeHandle:
    event: rt.ClientEvent
    event_id: str
    status: str = "queued"
    reply: Any = None
    error: Any = None


@dataclass
class FakeSession:
    """What a form reads from a session, and a ``send_nowait`` that records."""

    dialect: str = "ga"
    effective: Any = None
    plan: Interruption = field(default_factory=lambda: Interruption(None, None, 0.0, 0.0))
    refuse: Exception | None = None
    sent: list[rt.ClientEvent] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    responses: list[Any] = field(default_factory=list)

    @property
    def target(self) -> Any:
        return SimpleNamespace(dialect=self.dialect, kind="url")

    @property
    def session(self) -> Any:
        return self.effective

    @property
    def conversation(self) -> Any:
        active = next((r.id for r in self.responses if r.status == "in_progress"), None)
        return SimpleNamespace(items=list(self.items), responses=list(self.responses),
                               active_response=active, input_audio_ms=0.0)

    @property
    def playback(self) -> Any:
        return SimpleNamespace(plan_interrupt=lambda: self.plan)

    def send_nowait(self, event: rt.ClientEvent) -> FakeHandle:
        if self.refuse is not None:
            raise self.refuse
        self.sent.append(event)
        return FakeHandle(event, f"evt_fake_{len(self.sent)}")


def fake_item(item_id: str, role: str, text: str, status: str = "completed") -> Any:
    return SimpleNamespace(id=item_id, type="message", role=role, status=status, text=text,
                           transcript="", name=None, call_id=None, audio_ms=0.0)


def attached(event_type: str, session: FakeSession) -> EventForm:
    form = EventForm(event_type)
    form.attach(session)  # type: ignore[arg-type]  # duck-typed stand-in
    return form


# -- the specs cover the wire models -------------------------------------------------------------


def wire_paths(info: mi.Type, path: str = "") -> set[str]:
    """Every field path of a model, walked independently of the form code: into objects
    (also as members of unions), never into lists or dicts."""
    found: set[str] = set()
    members = info.types if isinstance(info, mi.UnionType) else (info,)
    for member in members:
        if isinstance(member, mi.StructType):
            for fld in member.fields:
                sub = f"{path}.{fld.encode_name}" if path else fld.encode_name
                found.add(sub)
                found |= wire_paths(fld.type, sub)
    return found


@pytest.mark.parametrize("event_type", list(CLIENT_EVENT_TYPES))
def test_the_specs_cover_every_field_of_every_client_event(event_type: str) -> None:
    spec = event_spec(event_type)
    expected = wire_paths(mi.type_info(CLIENT_EVENT_TYPES[event_type]))
    assert spec.paths() == expected
    assert spec.tag == event_type and "event_id" in spec.paths()
    for node in spec.walk():
        assert node.kind in FIELD_KINDS
        if node.kind == "union":
            assert node.variants, node.path
        if node.kind in ("choice", "multi_choice"):
            assert node.choices, node.path


def test_the_spec_walk_is_one_mechanism_for_every_event() -> None:
    specs = event_specs()
    assert set(specs) == set(CLIENT_EVENT_TYPES)
    # One field type, one spec, wherever it appears: the voice of a session and of a response.
    session_voice = specs["session.update"].find("session.audio.output.voice")
    response_voice = specs["response.create"].find("response.audio.output.voice")
    assert [v.key for v in session_voice.variants] == [v.key for v in response_voice.variants]
    assert session_voice.open and "marin" in [v.key for v in session_voice.variants]
    assert "{CustomVoice}" in [v.key for v in session_voice.variants]


def test_the_specs_carry_bounds_choices_and_presence() -> None:
    session = event_spec("session.update")
    speed = session.find("session.audio.output.speed")
    assert (speed.kind, speed.bounds.ge, speed.bounds.le) == ("float", 0.25, 1.5)
    assert speed.bounds.describe() == "0.25 to 1.5"
    tokens = session.find("session.max_output_tokens")
    assert (tokens.kind, tokens.specials, tokens.bounds.le) == ("int", ("inf",), 4096)
    turn = session.find("session.audio.input.turn_detection")
    assert turn.kind == "union" and turn.nullable and not turn.required
    assert [v.key for v in turn.variants] == ["server_vad", "semantic_vad"]
    modalities = session.find("session.output_modalities")
    assert modalities.kind == "multi_choice" and set(modalities.choices) == {"audio", "text"}
    assert session.find("session.instructions").kind == "long_text"
    tools = session.find("session.tools")
    assert tools.kind == "json" and isinstance(tools.example, list)
    truncate = event_spec("conversation.item.truncate")
    assert truncate.find("audio_end_ms").prefill == "played_ms"
    assert truncate.find("item_id").kind == "item_id" and truncate.find("item_id").required
    assert event_spec("response.cancel").find("response_id").kind == "response_id"
    assert event_spec("input_audio_buffer.append").find("audio").kind == "audio"
    event_id = truncate.find("event_id")
    assert not event_id.required and not event_id.nullable  # null and "not sent" are one here


def explore(form: EventForm, seen: set[int]) -> set[str]:
    """Every field path the form shows for some choice of variants (each union tried in
    every variant, nested ones included)."""
    shown = set(form.fields)
    for path, editor in list(form._editors().items()):
        if editor.spec.kind != "union" or id(editor) in seen:
            continue
        if form._editors().get(path) is not editor:
            continue  # inside a variant chosen away from meanwhile (explored while chosen)
        seen.add(id(editor))
        for variant in editor.spec.variants:
            form.set(path, variant.key)
            shown |= explore(form, seen)
    return shown


@pytest.mark.parametrize("event_type", list(CLIENT_EVENT_TYPES))
def test_every_field_gets_a_widget_once_its_variant_is_chosen(event_type: str) -> None:
    form = EventForm(event_type)
    assert explore(form, set()) == form.spec.paths()


# -- every event, both dialects: the form builds what the builder builds ------------------------


@dataclass(frozen=True)
class Case:
    name: str
    event_type: str
    values: tuple[tuple[str, Any], ...]
    expected: Callable[[], rt.ClientEvent]
    dialects: tuple[str, ...] = DIALECTS


CASES = [
    Case("session.update ga", "session.update", (
        ("session.instructions", "Answer in French."),
        ("session.output_modalities", ["audio"]),
        ("session.audio.output.voice", "marin"),
        ("session.audio.output.speed", 1.2),
        ("session.audio.input.format", "audio/pcmu"),
        ("session.audio.input.turn_detection", "semantic_vad"),
        ("session.audio.input.turn_detection.eagerness", "low"),
        ("session.tools", [TOOL]),
        ("session.tool_choice", "function"),
        ("session.tool_choice.name", "get_weather"),
        ("session.max_output_tokens", "inf"),
        ("session.truncation", {"type": "retention_ratio", "retention_ratio": 0.5}),
        ("session.include", None),
        ("event_id", "evt_form_1"),
    ), lambda: rt.session_update({
        "instructions": "Answer in French.", "output_modalities": ["audio"],
        "audio": {"input": {"format": {"type": "audio/pcmu"},
                            "turn_detection": {"type": "semantic_vad", "eagerness": "low"}},
                  "output": {"voice": "marin", "speed": 1.2}},
        "tools": [TOOL], "tool_choice": {"type": "function", "name": "get_weather"},
        "max_output_tokens": "inf", "truncation": {"type": "retention_ratio",
                                                   "retention_ratio": 0.5},
        "include": None,
    }, event_id="evt_form_1"), ("ga",)),
    Case("session.update beta", "session.update", (
        ("session.instructions", "Be brief."),
        ("session.output_modalities", ["text"]),
        ("session.audio.output.voice", "alloy"),
        ("session.temperature", 0.8),
        ("session.audio.input.turn_detection", "server_vad"),
        ("session.audio.input.turn_detection.threshold", 0.6),
        ("session.audio.input.turn_detection.silence_duration_ms", 300),
        ("session.audio.input.turn_detection.create_response", False),
        ("session.tools", [TOOL]),
        ("session.tool_choice", "required"),
        ("session.max_output_tokens", 200),
    ), lambda: rt.session_update({
        "instructions": "Be brief.", "output_modalities": ["text"],
        "audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 0.6,
                                               "silence_duration_ms": 300,
                                               "create_response": False}},
                  "output": {"voice": "alloy"}},
        "temperature": 0.8, "tools": [TOOL], "tool_choice": "required",
        "max_output_tokens": 200,
    }), ("beta",)),
    Case("session.update transcription", "session.update", (
        ("session", "transcription"),
        ("session.audio.input.transcription", "{InputTranscription}"),
        ("session.audio.input.transcription.model", "gpt-4o-transcribe"),
        ("session.audio.input.transcription.language", "en"),
        ("session.audio.input.turn_detection", None),
    ), lambda: rt.session_update({
        "type": "transcription",
        "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe", "language": "en"},
                            "turn_detection": None}},
    })),
    Case("input_audio_buffer.append", "input_audio_buffer.append", (
        ("audio", bytes(range(0, 200, 2))),
        ("event_id", "evt_audio"),
    ), lambda: rt.append_audio(bytes(range(0, 200, 2)), event_id="evt_audio")),
    Case("input_audio_buffer.clear", "input_audio_buffer.clear", (),
         lambda: rt.clear_audio()),
    Case("input_audio_buffer.commit", "input_audio_buffer.commit",
         (("event_id", "evt_commit"),), lambda: rt.commit_audio(event_id="evt_commit")),
    Case("output_audio_buffer.clear", "output_audio_buffer.clear", (),
         lambda: rt.clear_output_audio()),
    Case("conversation.item.create message", "conversation.item.create", (
        ("item", "message"),
        ("item.role", "user"),
        ("item.content", [{"type": "input_text", "text": "Hello"}]),
    ), lambda: rt.create_item(rt.user_text("Hello"))),
    Case("conversation.item.create after", "conversation.item.create", (
        ("item.role", "system"),
        ("item.content", '[{"type": "input_text", "text": "Be kind."}]'),
        ("previous_item_id", "root"),
    ), lambda: rt.create_item_after(rt.system_text("Be kind."), "root")),
    Case("conversation.item.create function output", "conversation.item.create", (
        ("item", "function_call_output"),
        ("item.call_id", "call_1"),
        ("item.output", '{"temp_c": 21}'),
        ("event_id", "evt_out"),
    ), lambda: rt.create_item(rt.function_output("call_1", {"temp_c": 21}),
                              event_id="evt_out")),
    Case("conversation.item.delete", "conversation.item.delete",
         (("item_id", "item_1"),), lambda: rt.delete_item("item_1")),
    Case("conversation.item.retrieve", "conversation.item.retrieve",
         (("item_id", "item_2"), ("event_id", "evt_get")),
         lambda: rt.retrieve_item("item_2", event_id="evt_get")),
    Case("conversation.item.truncate", "conversation.item.truncate",
         (("item_id", "item_3"), ("content_index", 0), ("audio_end_ms", 1500)),
         lambda: rt.truncate_item("item_3", 0, 1500)),
    Case("response.create plain", "response.create", (), lambda: rt.create_response()),
    Case("response.create ga", "response.create", (
        ("response.output_modalities", ["text"]),
        ("response.instructions", "One word."),
        ("response.conversation", "none"),
        ("response.metadata", {"topic": "demo"}),
        ("response.max_output_tokens", 100),
        ("response.audio.output.voice", "cedar"),
        ("response.tool_choice", "none"),
        ("response.parallel_tool_calls", False),
    ), lambda: rt.create_response(
        output_modalities=["text"], instructions="One word.", conversation="none",
        metadata={"topic": "demo"}, max_output_tokens=100,
        audio={"output": {"voice": "cedar"}}, tool_choice="none", parallel_tool_calls=False,
    ), ("ga",)),
    Case("response.create beta", "response.create", (
        ("response.output_modalities", ["audio"]),
        ("response.instructions", "Sing."),
        ("response.temperature", 0.7),
        ("response.conversation", "auto"),
        ("response.input", [{"type": "message", "role": "user",
                             "content": [{"type": "input_text", "text": "Hi"}]}]),
    ), lambda: rt.create_response(
        output_modalities=["audio"], instructions="Sing.", temperature=0.7,
        conversation="auto",
        input=[{"type": "message", "role": "user", "content": [{"type": "input_text",
                                                                 "text": "Hi"}]}],
    ), ("beta",)),
    Case("response.cancel", "response.cancel", (("response_id", "resp_1"),),
         lambda: rt.cancel_response("resp_1")),
    Case("response.cancel active", "response.cancel", (), lambda: rt.cancel_response()),
]


def case_params() -> list[Any]:
    return [pytest.param(case, dialect, id=f"{case.name}-{dialect}")
            for case in CASES for dialect in case.dialects]


def test_the_cases_cover_every_event_in_both_dialects() -> None:
    for dialect in DIALECTS:
        covered = {case.event_type for case in CASES if dialect in case.dialects}
        assert covered == set(CLIENT_EVENT_TYPES), dialect


@pytest.mark.parametrize(("case", "dialect"), case_params())
def test_the_form_builds_what_the_builder_builds(case: Case, dialect: str) -> None:
    session = FakeSession(dialect=dialect)
    form = attached(case.event_type, session)
    for path, value in case.values:
        form.set(path, value)
    expected = case.expected().to_dict(dialect)  # type: ignore[arg-type]
    assert form.event().to_dict(dialect) == expected  # type: ignore[arg-type]
    assert preview_json(form) == expected
    assert json.dumps(expected, indent=2, ensure_ascii=False) in html.unescape(form.preview.value)
    assert f"({'GA' if dialect == 'ga' else 'beta'} dialect)" in form.preview.value
    assert form.error.value == "" and not form.send_button.disabled
    assert all(widget.value == "" for widget in form.field_errors.values())
    form.send_button.click()
    assert session.sent == [form.event()]
    assert text_of(form.status) == "queued as evt_fake_1"


def test_typing_into_the_widgets_updates_the_preview_as_you_type() -> None:
    form = EventForm("session.update")
    instructions = form.fields["session.instructions"]
    for text in ("B", "Be", "Be brief"):
        instructions.value = text
        assert preview_json(form)["session"]["instructions"] == text
    form.fields["session.audio.output.speed"].value = "1.1"
    form.fields["session.audio.input.turn_detection"].value = "server_vad"
    form.fields["session.audio.input.turn_detection.threshold"].value = "0.7"
    assert preview_json(form)["session"]["audio"] == {
        "input": {"turn_detection": {"type": "server_vad", "threshold": 0.7}},
        "output": {"speed": 1.1}}
    form.fields["session.audio.output.speed"].value = ""  # emptied: not sent any more
    assert "output" not in preview_json(form)["session"]["audio"]


def test_optional_fields_stay_unsent_and_null_is_a_separate_choice() -> None:
    form = EventForm("session.update")
    assert form.event().to_dict() == {"type": "session.update", "session": {"type": "realtime"}}
    turn = form.fields["session.audio.input.turn_detection"]
    assert [label for label, _ in turn.options] == ["(not sent)", "null", "server_vad",
                                                    "semantic_vad"]
    form.set("session.audio.input.turn_detection", None)
    assert form.event().to_dict()["session"]["audio"] == {"input": {"turn_detection": None}}
    form.set("session.audio.input.turn_detection", "server_vad")
    form.set("session.audio.input.turn_detection.idle_timeout_ms", None)  # a "null" box
    assert form.event().to_dict()["session"]["audio"]["input"]["turn_detection"] == {
        "type": "server_vad", "idle_timeout_ms": None}
    form.set("session.audio.input.turn_detection.idle_timeout_ms", msgspec.UNSET)
    form.set("session.audio.input.turn_detection", msgspec.UNSET)
    assert form.event().to_dict()["session"] == {"type": "realtime"}


def test_a_variant_can_be_set_with_an_object_and_unknown_paths_are_refused() -> None:
    form = EventForm("session.update")
    form.set("session.audio.input.turn_detection", {"type": "semantic_vad", "eagerness": "high"})
    assert form.fields["session.audio.input.turn_detection"].value == "semantic_vad"
    assert form.event().to_dict()["session"]["audio"]["input"]["turn_detection"] == {
        "type": "semantic_vad", "eagerness": "high"}
    form.set("session.audio.output.voice", {"id": "voice_123"})  # the CustomVoice variant
    assert form.event().to_dict()["session"]["audio"]["output"]["voice"] == {"id": "voice_123"}
    with pytest.raises(KeyError, match="threshold"):
        form.set("session.audio.input.turn_detection.threshold", 0.5)  # server_vad's field
    with pytest.raises(ValueError, match="not a variant"):
        form.set("session.tool_choice", "sometimes")
    form.set("session.audio.input.noise_reduction", "{NoiseReduction}")
    with pytest.raises(ValueError, match="not an option"):
        form.set("session.audio.input.noise_reduction.type", "outer_space")


# -- invalid input: shown under the field, Send disabled, nothing sent -----------------------


@pytest.mark.parametrize(
    ("event_type", "dialect", "values", "path", "words"),
    [
        ("session.update", "ga", (("session.audio.output.voice", "nova"),),
         "session.audio.output.voice", "Invalid value 'nova'"),
        ("conversation.item.truncate", "ga",
         (("item_id", "item_1"), ("audio_end_ms", -5)), "audio_end_ms", ">= 0"),
        ("session.update", "ga", (("session.tools", '[{"type": "function", "name": '),),
         "session.tools", "invalid JSON"),
        ("session.update", "ga", (("session.tools", [{"type": "function"}]),),
         "session.tools", "session.tools[0].name"),
        ("session.update", "beta", (("session.temperature", 0.1),),
         "session.temperature", ">= 0.6"),
        ("response.create", "beta", (("response.temperature", 1.5),),
         "response.temperature", "<= 1.2"),
        ("session.update", "ga", (("session.temperature", 0.8),),
         "session.temperature", "beta-only"),
        ("session.update", "beta", (("session.truncation", "auto"),),
         "session.truncation", "no counterpart in the beta dialect"),
        ("session.update", "ga", (("session.audio.output.speed", "fast"),),
         "session.audio.output.speed", "expected a number"),
        ("response.create", "ga", (("response.max_output_tokens", "5000"),),
         "response.max_output_tokens", "<= 4096"),
        ("conversation.item.delete", "ga", (), "item_id", "Missing required parameter"),
        ("conversation.item.create", "ga", (("item.role", "assistant"),),
         "item.content", "not allowed in a assistant message"),
        ("input_audio_buffer.append", "beta", (("event_id", "evt_1"),),
         "audio", "Missing required parameter: 'audio'"),
    ],
)
def test_invalid_input_is_shown_under_its_field_and_nothing_is_sent(
        event_type: str, dialect: str, values: tuple[tuple[str, Any], ...], path: str,
        words: str) -> None:
    session = FakeSession(dialect=dialect)
    form = attached(event_type, session)
    for where, value in values:
        form.set(where, value)
    under = text_of(form.field_errors[path])
    assert words in under
    assert form.field_errors[path].layout.display != "none"
    others = {p for p, w in form.field_errors.items() if w.value and p != path}
    assert others == set()
    assert words in text_of(form.error) and path in text_of(form.error)
    assert form.send_button.disabled
    assert "not valid" in form.preview.value
    with pytest.raises(rt.EventValidationError) as raised:
        form.event()
    assert raised.value.param.startswith(path)
    form.send_button.click()  # a click that reaches Python anyway
    assert session.sent == []
    assert "not sent" in text_of(form.status)


def test_an_error_inside_a_collapsed_group_opens_it() -> None:
    form = EventForm("session.update")
    audio = form._editors()["session.audio"]
    assert audio.accordion is not None and audio.accordion.selected_index is None  # type: ignore[attr-defined]
    form.set("session.audio.output.speed", 3)
    assert audio.accordion.selected_index == 0  # type: ignore[attr-defined]
    assert "<= 1.5" in text_of(form.field_errors["session.audio.output.speed"])


def test_fixing_the_input_clears_the_error_and_enables_send() -> None:
    form = EventForm("conversation.item.truncate")
    form.set("item_id", "item_1")
    form.set("audio_end_ms", -1)
    assert form.send_button.disabled and form.field_errors["audio_end_ms"].value
    form.fields["audio_end_ms"].value = "250"
    assert not form.send_button.disabled
    assert form.field_errors["audio_end_ms"].value == "" and form.error.value == ""
    assert form.event() == rt.truncate_item("item_1", 0, 250)


# -- sending -------------------------------------------------------------------------------------


def test_without_a_session_the_form_previews_its_own_dialect_and_says_not_connected() -> None:
    forms = EventForms(dialect="beta")
    form = forms.select("session.update")
    form.set("session", "transcription")
    assert preview_json(form)["type"] == "transcription_session.update"
    form.send_button.click()
    assert text_of(form.status) == "not connected: nothing was sent"


@pytest.mark.parametrize("refusal", [
    rt.ResponseActive("resp_1"),
    rt.BudgetExceeded(0.5, 0.25),
    rt.ConnectionClosed(1006, "gone"),
    rt.SendQueueFull(8, "reconnecting"),
])
def test_a_refused_send_is_shown_and_nothing_is_sent(refusal: Exception) -> None:
    session = FakeSession(refuse=refusal)
    form = attached("response.create", session)
    assert not form.send_button.disabled
    form.send_button.click()
    assert session.sent == []
    shown = text_of(form.status)
    assert shown.startswith(f"not sent: {type(refusal).__name__}: ")


def test_the_server_error_linked_to_the_sent_event_is_shown_on_refresh() -> None:
    session = FakeSession()
    form = attached("conversation.item.delete", session)
    form.set("item_id", "item_gone")
    form.send_button.click()
    assert text_of(form.status) == "queued as evt_fake_1"
    other = rt.ServerError(SimpleNamespace(error=SimpleNamespace(
        code="item_not_found", message="Not this one.", event_id="evt_other")))
    session.errors.append(other)  # the session links an error to the handle it names
    form.refresh()
    assert "server error" not in text_of(form.status)  # someone else's error
    mine = rt.ServerError(SimpleNamespace(error=SimpleNamespace(
        code="item_not_found", message="Item 'item_gone' not found.", event_id="evt_fake_1")))
    session.errors.append(mine)
    form._handle.error = mine
    form.refresh()
    assert "server error: item_not_found: Item 'item_gone' not found." in text_of(form.status)


def run(main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(main())


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_send_reaches_the_mock_server_and_the_reply_comes_back() -> None:
    async def main() -> None:
        async with rt.connect("mock", quiet=True) as session:
            forms = EventForms()
            forms.attach(session)
            form = forms.select("conversation.item.create")
            form.set("item.content", [{"type": "input_text", "text": "Hello from a form"}])
            form.set("event_id", "evt_form_hello")
            form.send_button.click()  # never waits: the event is queued
            assert text_of(form.status) == "queued as evt_form_hello"
            await until(lambda: any(item.text == "Hello from a form"
                                    for item in session.conversation.items))
            await until(lambda: form._handle is not None and form._handle.reply is not None)
            forms.refresh()
            assert text_of(form.status) == "sent as evt_form_hello → conversation.item.added"
            # The new item is offered by the item pickers of the other forms.
            delete = forms.select("conversation.item.delete")
            item = next(i for i in session.conversation.items if i.text == "Hello from a form")
            assert f"{item.id} · user · Hello from a form" in delete.fields["item_id"].options
            delete.fields["item_id"].value = f"{item.id} · user · Hello from a form"
            assert delete.event() == rt.delete_item(item.id)

    run(main)


def test_a_server_error_from_the_mock_is_linked_to_the_form_that_sent() -> None:
    async def main() -> None:
        async with rt.connect("mock", quiet=True) as session:
            forms = EventForms()
            forms.attach(session)
            form = forms.select("conversation.item.retrieve")
            form.set("item_id", "item_not_there")
            handle = form.send()
            assert handle is not None
            await until(lambda: bool(session.errors))
            forms.select("session.update")  # hidden: still followed, since it sent something
            forms.refresh()
            shown = text_of(form.status)
            assert shown.startswith(f"sent as {handle.event_id}")
            assert "server error: item_not_found" in shown

    run(main)


def test_response_active_is_refused_before_anything_is_sent() -> None:
    async def main() -> None:
        async with rt.connect("mock", quiet=True) as session:
            form = EventForm("response.create")
            form.attach(session)
            first = form.send()
            assert first is not None and session.pending == (first.event,)
            assert form.send() is None
            assert "ResponseActive" in text_of(form.status)
            assert session.pending == (first.event,)  # the second one never queued
            await session.wait_for("response.done")

    run(main)


def test_a_beta_session_gives_its_dialect_to_the_forms() -> None:
    async def main() -> None:
        async with rt.connect("mock", dialect="beta", quiet=True) as session:
            forms = EventForms()  # GA by default...
            forms.attach(session)  # ...the session's dialect wins
            form = forms.select("session.update")
            form.set("session.audio.output.voice", "ash")
            form.set("session.temperature", 0.9)
            assert preview_json(form)["session"] == {"voice": "ash", "temperature": 0.9}
            form.send_button.click()
            await until(lambda: getattr(session.session, "temperature", None) == 0.9)
            forms.attach(None)
            assert "(GA dialect)" not in form.preview.value  # temperature: not in GA
            assert "beta-only" in text_of(form.field_errors["session.temperature"])

    run(main)


# -- pickers and prefills --------------------------------------------------------------------------


def test_item_pickers_list_the_conversation_and_reset_only_when_it_changes() -> None:
    session = FakeSession(items=[fake_item("item_a", "user", "What is the weather like today?"),
                                 fake_item("item_b", "assistant", "Sunny.")])
    form = attached("conversation.item.create", session)
    picker = form.fields["previous_item_id"]
    assert picker.options == ("root", "item_a · user · What is the weather like today?",
                              "item_b · assistant · Sunny.")
    changes: list[Any] = []
    picker.observe(changes.append, "options")
    form.refresh()
    form.refresh()
    assert changes == []  # nothing changed: nothing sent to the browser
    session.items.append(fake_item("item_c", "user", "x" * 80))
    form.refresh()
    assert len(changes) == 1 and picker.options[-1] == "item_c · user · " + "x" * 31 + "…"
    picker.value = picker.options[1]
    assert form.event().to_dict()["previous_item_id"] == "item_a"
    picker.value = "item_typed_by_hand"  # free text is allowed
    assert form.event().to_dict()["previous_item_id"] == "item_typed_by_hand"


def test_response_picker_lists_the_newest_response_first() -> None:
    responses = [SimpleNamespace(id="resp_1", status="completed"),
                 SimpleNamespace(id="resp_2", status="in_progress")]
    form = attached("response.cancel", FakeSession(responses=responses))
    assert form.fields["response_id"].options == ("resp_2 · in_progress", "resp_1 · completed")
    form.fields["response_id"].value = "resp_2 · in_progress"
    assert form.event() == rt.cancel_response("resp_2")


def test_audio_end_ms_follows_playback_until_edited() -> None:
    session = FakeSession(plan=Interruption("resp_1", "item_a", 1234.6, 4000.0,
                                            audio_end_ms=1234))
    form = attached("conversation.item.truncate", session)
    assert form.fields["audio_end_ms"].value == "1234"
    assert form.fields["item_id"].value == "item_a"
    assert form.event() == rt.truncate_item("item_a", 0, 1234)
    session.plan = Interruption("resp_1", "item_a", 2000.0, 4000.0, audio_end_ms=2000)
    form.refresh()
    assert form.fields["audio_end_ms"].value == "2000"
    form.fields["audio_end_ms"].value = "1500"  # the user's word now
    session.plan = Interruption("resp_1", "item_a", 2500.0, 4000.0, audio_end_ms=2500)
    form.refresh()
    assert form.fields["audio_end_ms"].value == "1500"
    assert form.fields["item_id"].value == "item_a"
    form.fields["audio_end_ms"].value = ""  # emptied: follows playback again
    form.refresh()
    assert form.fields["audio_end_ms"].value == "2500"


# -- audio -----------------------------------------------------------------------------------------


def test_long_audio_is_summarised_in_the_preview_and_sent_whole() -> None:
    session = FakeSession()
    form = attached("input_audio_buffer.append", session)
    audio = bytes(range(256)) * 200  # 51,200 bytes
    form.set("audio", audio)
    event = form.event()
    assert event == rt.append_audio(audio)
    shown = preview_json(form)["audio"]
    assert "51,200 bytes" in shown and "summarised" in shown
    assert len(form.preview.value) < 2000
    assert "audio summarised in this preview" in form.preview.value
    form.send_button.click()
    assert session.sent == [event]
    assert session.sent[0].to_dict()["audio"] == base64.b64encode(audio).decode()  # whole
    short = bytes(SUMMARY_BYTES)
    form.set("audio", short)
    assert preview_json(form) == rt.append_audio(short).to_dict()


def uploaded(name: str, content: bytes) -> dict[str, Any]:
    """A FileUpload value entry, as the browser sends it."""
    return {"name": name, "type": "", "size": len(content), "content": memoryview(content),
            "last_modified": datetime.now(UTC)}


def test_uploaded_and_generated_audio_is_converted_to_the_session_input_format() -> None:
    mulaw = Session(audio=AudioConfig(input=AudioInput(format=AudioPCMU())))
    session = FakeSession(effective=mulaw)
    form = attached("input_audio_buffer.append", session)
    tone = rt.Audio(np.round(np.sin(np.arange(16_000) / 5) * 8000).astype(np.int16), rate=16_000)
    upload = form.fields["audio"]
    upload.value = (uploaded("tone.wav", tone.to_wav()),)
    assert upload.value == ()  # read, then emptied: the bytes stay out of the widget state
    assert "tone.wav: 8,000 bytes, 1,000 ms of audio/pcmu" in text_of(
        form._editors()["audio"].about)  # type: ignore[attr-defined]
    event = form.event()
    assert isinstance(event, rt.ClientEvent)
    audio = event.to_dict()["audio"]
    assert len(msgspec.json.decode(json.dumps(audio), type=bytes)) == 8000  # 1 s of G.711
    expected = rt.load_audio(tone.to_wav()).to_wire("audio/pcmu")
    assert event == rt.append_audio(expected)
    session.effective = None  # back to the default format: the same clip, as PCM16
    form.refresh()
    assert len(form.event().audio) == 48_000  # type: ignore[attr-defined]
    editor = form._editors()["audio"]
    editor.length.value = "250"  # type: ignore[attr-defined]
    editor.sound.value = "silence"  # type: ignore[attr-defined]
    next(w for w in editor.widget.children[0].children  # the "make" button
         if getattr(w, "description", "") == "make").click()
    assert form.event().audio == bytes(12_000)  # type: ignore[attr-defined]
    upload.value = (uploaded("notes.txt", b"hello"),)
    assert "cannot read 'notes.txt'" in text_of(form.field_errors["audio"])
    assert form.send_button.disabled


# -- the set of forms ------------------------------------------------------------------------------


def test_event_forms_hold_all_eleven_titled_and_classed() -> None:
    forms = EventForms()
    assert list(forms.forms) == list(CLIENT_EVENT_TYPES)
    assert "rtnb-forms" in forms.widget._dom_classes
    for event_type, form in forms.forms.items():
        assert forms.select(event_type) is form and forms.current is form
        assert forms.widget.children[1].children == (form.widget,)
        assert f"<b>{event_type}</b>" in form.title.value
        classes = form.widget._dom_classes
        assert "rtnb-form" in classes
        assert "rtnb-form-" + event_type.replace(".", "-") in classes
        assert "rtnb-send" in form.send_button._dom_classes
        assert "event_id" in form.fields
    with pytest.raises(KeyError):
        forms.select("response.nonsense")
