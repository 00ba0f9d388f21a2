"""Conformance of the client events we build with the official ``openai`` SDK (3.57.0).

Every builder is used to make realistic events, several per type where the shape
varies. Each event is written in both dialects and checked against the SDK's
client event union of that dialect:

* the SDK validates it, with nothing left over in ``model_extra`` anywhere in the
  model tree (the SDK models accept unknown keys silently), and the SDK's dump
  of what it validated is exactly the dict we wrote: no key added or lost;
* :func:`realtime_nb.parse_client_event` reads it back to the same value.

A value with no counterpart in a dialect must raise ``EventValidationError``
naming the field instead (GA-only fields in beta, beta-only fields in GA), and
the cases must cover every ``type`` of each SDK union.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import struct
import typing
from dataclasses import dataclass
from typing import Any

import numpy as np
import pydantic
import pytest
from openai.types.beta.realtime.realtime_client_event import (
    RealtimeClientEvent as BetaClientEvent,
)
from openai.types.realtime.conversation_item import ConversationItem as SdkConversationItem
from openai.types.realtime.realtime_client_event import RealtimeClientEvent as GaClientEvent
from openai.types.realtime.realtime_response_create_params import RealtimeResponseCreateParams
from openai.types.realtime.realtime_response_create_params_with_references_param import (
    RealtimeResponseCreateParamsWithReferencesParam,
)
from openai.types.realtime.realtime_session_create_request import RealtimeSessionCreateRequest
from openai.types.realtime.response_create_event import ResponseCreateEvent
from openai.types.realtime.response_item_reference import ResponseItemReference

import realtime_nb as rt
from realtime_nb.builders import BUILDERS
from realtime_nb.wire import (
    CustomVoice,
    FunctionCall,
    InputImage,
    ItemReference,
    ItemReferencePart,
    McpApprovalResponse,
    McpTool,
    NoiseReduction,
    Prompt,
    Reasoning,
    ResponseAudio,
    ResponseAudioOutput,
    RetentionRatio,
    TokenLimits,
    ToolChoiceFunction,
    ToolChoiceMcp,
    TracingConfig,
    TranscriptionAudio,
    TranscriptionAudioInput,
)
from realtime_nb.wire.session import ClientSecret, ClientSecretExpiry, InputTranscription

from .sdk import SdkUnions, assert_exact_dump, sdk_types

JSON = dict[str, Any]

class ResponseCreateParamsWithReferences(RealtimeResponseCreateParams):
    """The SDK's response params with ``input`` widened to accept item references.

    The SDK's *model* for ``response.create`` lists only items in ``input``; its
    *param* type ``RealtimeResponseCreateParamsWithReferencesParam`` (what
    ``connection.response.create`` accepts) adds ``ResponseItemReference``. This
    is that param type as a model, so the ``model_extra`` check still applies.
    """

    input: list[SdkConversationItem | ResponseItemReference] | None = None


class ResponseCreateEventWithReferences(ResponseCreateEvent):
    """``response.create`` whose params accept item references (see above)."""

    response: ResponseCreateParamsWithReferences | None = None


SDK_UNIONS = {"ga": GaClientEvent, "beta": BetaClientEvent}
SDK = SdkUnions(SDK_UNIONS)
ADAPTERS = SDK.adapters


def _has_item_reference(data: JSON) -> bool:
    response = data.get("response")
    if not isinstance(response, dict):
        return False
    return any(
        isinstance(item, dict) and item.get("type") == "item_reference"
        for item in response.get("input") or []
    )


def sdk_validate(data: JSON, dialect: str) -> pydantic.BaseModel:
    """Validate with the SDK union of ``dialect``; demand no extras and an exact dump."""
    if dialect == "ga" and _has_item_reference(data):
        model = ResponseCreateEventWithReferences.model_validate(copy.deepcopy(data))
        assert_exact_dump(model, data)
        return model
    return SDK.validate(data, dialect)


# -- realistic content ----------------------------------------------------------------------------


def _pcm16_tone(ms: int, freq: float = 440.0, rate: int = 24_000) -> bytes:
    count = rate * ms // 1000
    return b"".join(
        struct.pack("<h", round(0.2 * 32767 * math.sin(2 * math.pi * freq * i / rate)))
        for i in range(count)
    )


PCM_20MS = _pcm16_tone(20)  # one typical append chunk: 960 bytes
PCM_100MS = _pcm16_tone(100, freq=300.0)
PNG_DATA_URI = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

WEATHER_TOOL: JSON = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "City name, e.g. Paris"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city"],
    },
}
BOOKING_TOOL = rt.FunctionTool(
    name="book_table",
    description="Book a restaurant table.",
    parameters={
        "type": "object",
        "properties": {"restaurant": {"type": "string"}, "people": {"type": "integer"}},
        "required": ["restaurant", "people"],
    },
)
MCP_TOOL = McpTool(
    server_label="deepwiki",
    server_url="https://mcp.deepwiki.com/mcp",
    require_approval="never",
    allowed_tools=["ask_question"],
)

FULL_GA_SESSION: JSON = {
    "type": "realtime",
    "model": "gpt-realtime",
    "output_modalities": ["audio"],
    "instructions": "You are a hotel concierge. Answer in at most two sentences.",
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "transcription": {
                "model": "gpt-4o-transcribe",
                "language": "en",
                "prompt": "Hotel names, room numbers, restaurant names.",
            },
            "noise_reduction": {"type": "near_field"},
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.6,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 500,
                "create_response": True,
                "interrupt_response": True,
            },
        },
        "output": {"format": {"type": "audio/pcmu"}, "voice": "coral", "speed": 1.1},
    },
    "max_output_tokens": 1024,
    "tools": [WEATHER_TOOL, BOOKING_TOOL.to_dict()],
    "tool_choice": "auto",
    "tracing": {
        "workflow_name": "concierge",
        "group_id": "grp_lobby_7",
        "metadata": {"hotel": "paris-opera"},
    },
}
"""A GA session using every GA session field that has a beta counterpart."""

FULL_BETA_SESSION: JSON = {
    "model": "gpt-realtime",
    "modalities": ["text", "audio"],
    "instructions": "You are a hotel concierge. Answer in at most two sentences.",
    "input_audio_format": "pcm16",
    "input_audio_transcription": {
        "model": "gpt-4o-transcribe",
        "language": "en",
        "prompt": "Hotel names, room numbers, restaurant names.",
    },
    "input_audio_noise_reduction": {"type": "near_field"},
    "turn_detection": {
        "type": "server_vad",
        "threshold": 0.6,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 500,
        "create_response": True,
        "interrupt_response": True,
    },
    "output_audio_format": "g711_ulaw",
    "voice": "coral",
    "speed": 1.1,
    "max_response_output_tokens": 1024,
    "tools": [WEATHER_TOOL, BOOKING_TOOL.to_dict()],
    "tool_choice": "auto",
    "tracing": {
        "workflow_name": "concierge",
        "group_id": "grp_lobby_7",
        "metadata": {"hotel": "paris-opera"},
    },
}
"""The same session as the beta dialect spells it."""

FULL_SESSION_MODEL = rt.Session(
    model="gpt-realtime",
    output_modalities=["audio"],
    instructions="You are a hotel concierge. Answer in at most two sentences.",
    audio=rt.AudioConfig(
        input=rt.AudioInput(
            format=rt.AudioPCM(),
            transcription=InputTranscription(
                model="gpt-4o-transcribe",
                language="en",
                prompt="Hotel names, room numbers, restaurant names.",
            ),
            noise_reduction=NoiseReduction(type="near_field"),
            turn_detection=rt.ServerVad(
                threshold=0.6, prefix_padding_ms=300, silence_duration_ms=500,
                create_response=True, interrupt_response=True,
            ),
        ),
        output=rt.AudioOutput(format=rt.AudioPCMU(), voice="coral", speed=1.1),
    ),
    max_output_tokens=1024,
    tools=[rt.FunctionTool(**{k: v for k, v in WEATHER_TOOL.items() if k != "type"}),
           BOOKING_TOOL],
    tool_choice="auto",
    tracing=TracingConfig(
        workflow_name="concierge", group_id="grp_lobby_7", metadata={"hotel": "paris-opera"}
    ),
)
"""FULL_GA_SESSION built from the typed models."""

TRANSCRIPTION_SESSION = rt.TranscriptionSession(
    audio=TranscriptionAudio(
        input=TranscriptionAudioInput(
            format=rt.AudioPCM(),
            transcription=InputTranscription(model="gpt-4o-transcribe", language="en",
                                             prompt="Medical vocabulary."),
            noise_reduction=NoiseReduction(type="far_field"),
            turn_detection=rt.ServerVad(threshold=0.5, prefix_padding_ms=300,
                                        silence_duration_ms=500),
        ),
    ),
    include=["item.input_audio_transcription.logprobs"],
)


def _session(**fields: Any) -> JSON:
    return {"type": "realtime", **fields}


# -- the cases ------------------------------------------------------------------------------------

OK = "ok"


@dataclass(frozen=True)
class Case:
    """One client event and what each dialect must do with it.

    ``ga`` / ``beta`` are ``OK`` when the dialect must accept the event, or the
    ``param`` that ``EventValidationError`` must name when it has no counterpart.
    """

    name: str
    event: rt.ClientEvent
    ga: str = OK
    beta: str = OK


def _tone_b64(ms: int) -> str:
    return base64.b64encode(_pcm16_tone(ms, freq=523.25)).decode()


CASES: list[Case] = [
    # session.update ---------------------------------------------------------------------
    Case("session.instructions", rt.session_update({"instructions": "Answer in French."})),
    Case("session.full.dict", rt.session_update(FULL_GA_SESSION, event_id="evt_sess_full")),
    Case("session.full.model", rt.session_update(FULL_SESSION_MODEL)),
    Case(
        "session.semantic_vad.g711.text",
        rt.session_update(
            _session(
                output_modalities=["text"],
                audio={
                    "input": {
                        "format": {"type": "audio/pcma"},
                        "turn_detection": {"type": "semantic_vad", "eagerness": "high",
                                           "create_response": False,
                                           "interrupt_response": False},
                        "noise_reduction": {"type": "far_field"},
                    },
                    "output": {"format": {"type": "audio/pcma"}, "voice": "verse"},
                },
                tool_choice="required",
                tools=[WEATHER_TOOL],
                max_output_tokens="inf",
                tracing="auto",
            ),
            event_id="evt_sess_semantic",
        ),
    ),
    Case(
        "session.clear_fields",
        rt.session_update(_session(
            instructions="",
            tools=[],
            tool_choice="none",
            tracing=None,
            audio={"input": {"turn_detection": None, "noise_reduction": None,
                             "transcription": None}},
        )),
    ),
    Case(
        "session.voice_marin_speed",
        rt.session_update(_session(audio={"output": {"voice": "marin", "speed": 0.8}})),
    ),
    Case(
        "session.transcription",
        rt.session_update(TRANSCRIPTION_SESSION, event_id="evt_transcribe_1"),
    ),
    Case(
        "session.transcription.dict_semantic",
        rt.session_update({
            "type": "transcription",
            "audio": {"input": {
                "format": {"type": "audio/pcmu"},
                "transcription": {"model": "whisper-1"},
                "turn_detection": {"type": "semantic_vad", "eagerness": "auto"},
            }},
        }),
    ),
    # GA-only session fields
    Case("session.truncation.auto", rt.session_update(_session(truncation="auto")),
         beta="session.truncation"),
    Case(
        "session.truncation.retention_ratio",
        rt.session_update(rt.Session(truncation=RetentionRatio(
            retention_ratio=0.75, token_limits=TokenLimits(post_instructions=12000)))),
        beta="session.truncation",
    ),
    Case(
        "session.prompt",
        rt.session_update(rt.Session(prompt=Prompt(
            id="pmpt_68b0d5e2a1c4819", version="3", variables={"city": "Paris"}))),
        beta="session.prompt",
    ),
    Case(
        "session.include",
        rt.session_update(_session(include=["item.input_audio_transcription.logprobs"])),
        beta="session.include",
    ),
    Case("session.reasoning",
         rt.session_update(rt.Session(model="gpt-realtime-2", reasoning=Reasoning(effort="low"))),
         beta="session.reasoning"),
    Case("session.parallel_tool_calls", rt.session_update(_session(parallel_tool_calls=False)),
         beta="session.parallel_tool_calls"),
    Case(
        "session.mcp_tool",
        rt.session_update(rt.Session(tools=[BOOKING_TOOL, MCP_TOOL])),
        beta="session.tools[1]",
    ),
    Case(
        "session.tool_choice.function",
        rt.session_update(rt.Session(tools=[BOOKING_TOOL],
                                     tool_choice=ToolChoiceFunction(name="book_table"))),
        beta="session.tool_choice",
    ),
    Case(
        "session.tool_choice.mcp",
        rt.session_update(rt.Session(tool_choice=ToolChoiceMcp(
            server_label="deepwiki", name="ask_question"))),
        beta="session.tool_choice",
    ),
    Case(
        "session.custom_voice",
        rt.session_update(rt.Session(audio=rt.AudioConfig(
            output=rt.AudioOutput(voice=CustomVoice(id="voice_1234abcd"))))),
        beta="session.audio.output.voice",
    ),
    Case(
        "session.idle_timeout",
        rt.session_update(_session(audio={"input": {"turn_detection": {
            "type": "server_vad", "idle_timeout_ms": 6000}}})),
        beta="session.audio.input.turn_detection.idle_timeout_ms",
    ),
    Case(
        "session.noise_reduction.strength",
        rt.session_update(_session(audio={"input": {"noise_reduction": {
            "type": "near_field", "strength": 0.5}}})),
        beta="session.audio.input.noise_reduction.strength",
    ),
    Case(
        "session.transcription.delay",
        rt.session_update(_session(audio={"input": {"transcription": {
            "model": "gpt-realtime-whisper", "delay": "low"}}})),
        beta="session.audio.input.transcription.delay",
    ),
    Case(
        "session.transcription.languages",
        rt.session_update(_session(audio={"input": {"transcription": {
            "model": "gpt-4o-transcribe", "languages": ["en", "fr"]}}})),
        beta="session.audio.input.transcription.languages",
    ),
    Case(
        "session.transcription.keywords",
        rt.session_update(_session(audio={"input": {"transcription": {
            "model": "gpt-4o-transcribe", "keywords": ["Opéra", "Garnier"]}}})),
        beta="session.audio.input.transcription.keywords",
    ),
    Case(
        "session.transcription_session.idle_timeout",
        rt.session_update({"type": "transcription", "audio": {"input": {
            "turn_detection": {"type": "server_vad", "idle_timeout_ms": 5000}}}}),
        beta="session.audio.input.turn_detection.idle_timeout_ms",
    ),
    # beta-only session fields
    Case("session.temperature", rt.session_update(rt.Session(temperature=0.7)),
         ga="session.temperature"),
    Case(
        "session.client_secret",
        rt.session_update(rt.Session(client_secret=ClientSecret(
            expires_after=ClientSecretExpiry(anchor="created_at", seconds=600)))),
        ga="session.client_secret",
    ),
    Case(
        "session.transcription.modalities",
        rt.session_update(rt.TranscriptionSession(modalities=["text"])),
        ga="session.modalities",
    ),
    Case(
        "session.transcription.client_secret",
        rt.session_update(rt.TranscriptionSession(
            client_secret={"expires_at": {"anchor": "created_at", "seconds": 300}})),
        ga="session.client_secret",
    ),
    # input_audio_buffer.* / output_audio_buffer.clear -----------------------------------------
    Case("append.bytes", rt.append_audio(PCM_20MS)),
    Case("append.base64.event_id", rt.append_audio(_tone_b64(40), event_id="evt_append_0042")),
    Case("append.numpy_int16",
         rt.append_audio(np.frombuffer(PCM_20MS, dtype="<i2").copy())),
    Case("append.numpy_float",
         rt.append_audio(np.sin(np.linspace(0, 20 * np.pi, 480)).astype(np.float32) * 0.3)),
    Case("commit", rt.commit_audio()),
    Case("commit.event_id", rt.commit_audio(event_id="evt_commit_0001")),
    Case("clear", rt.clear_audio()),
    Case("clear.event_id", rt.clear_audio(event_id="evt_clear_0001")),
    Case("output_clear", rt.clear_output_audio()),
    Case("output_clear.event_id", rt.clear_output_audio(event_id="evt_oclear_0001")),
    # conversation.item.* --------------------------------------------------------------------
    Case("item.user_text", rt.create_item(rt.user_text("What's the weather in Paris?"))),
    Case("item.system_text.root",
         rt.create_item(rt.system_text("The user is a premium guest."), "root",
                        event_id="evt_item_sys")),
    Case("item.assistant_text.after",
         rt.create_item_after(rt.assistant_text("Bonjour ! How can I help?"),
                              "item_CRqTsJ4xD9cV2bN7mQ1wE")),
    Case("item.user_audio", rt.create_item(rt.user_audio(PCM_100MS), event_id="evt_item_aud")),
    Case(
        "item.user_text_and_audio.dict",
        rt.create_item({
            "id": "item_client_0001",
            "type": "message",
            "role": "user",
            "status": "completed",
            "content": [
                {"type": "input_text", "text": "Listen to this:"},
                {"type": "input_audio", "audio": _tone_b64(60),
                 "transcript": "a short beep"},
            ],
        }),
    ),
    Case("item.role_only_dict",
         rt.create_item({"role": "user", "content": [{"type": "input_text", "text": "Hi"}]})),
    Case(
        "item.function_call",
        rt.create_item(FunctionCall(name="get_weather", arguments='{"city":"Paris"}',
                                    call_id="call_Qm3Zt8Rk1XbV7yLd")),
    ),
    Case(
        "item.function_output",
        rt.create_item(rt.function_output("call_Qm3Zt8Rk1XbV7yLd",
                                          {"temperature_c": 18, "sky": "sunny"}),
                       event_id="evt_fn_out"),
    ),
    Case(
        "item.function_output.text_after",
        rt.create_item_after(rt.function_output("call_Qm3Zt8Rk1XbV7yLd", "18C, sunny"),
                             "item_CRqU1qX3gH8nM5bVt6Lp0", event_id="evt_fn_out_2"),
    ),
    Case(
        "item.input_image",
        rt.create_item(rt.Message(role="user", content=[
            rt.InputText(text="What is in this picture?"),
            InputImage(image_url=PNG_DATA_URI, detail="low"),
        ])),
        beta="item.content[1]",
    ),
    Case(
        "item.mcp_approval_response",
        rt.create_item(McpApprovalResponse(
            id="mcpa_CRqU5dR1tY4uI7oP0aS3d",
            approval_request_id="mcpr_CRqU5cP9sL2vX6mA3hG8j",
            approve=True,
        )),
        beta="item",
    ),
    Case(
        "item.item_reference_part",
        rt.create_item(rt.Message(role="user", content=[
            ItemReferencePart(id="item_CRqTtA5mJ1xW8nQ3eGs7V")])),
        ga="item.content[0]",
    ),
    Case("item.retrieve", rt.retrieve_item("item_CRqTtA5mJ1xW8nQ3eGs7V")),
    Case("item.retrieve.event_id",
         rt.retrieve_item("item_CRqTtA5mJ1xW8nQ3eGs7V", event_id="evt_retrieve_1")),
    Case("item.delete", rt.delete_item("item_CRqTrB7cN4vK0wS9jHq1E")),
    Case("item.delete.event_id",
         rt.delete_item("item_CRqTrB7cN4vK0wS9jHq1E", event_id="evt_delete_1")),
    Case("item.truncate", rt.truncate_item("item_CRqTu1Lk9pD6fZc2hYr0M", 0, 1536)),
    Case("item.truncate.event_id",
         rt.truncate_item("item_CRqTu1Lk9pD6fZc2hYr0M", 0, 0, event_id="evt_trunc_1")),
    # response.create / response.cancel ----------------------------------------------------------
    Case("response.bare", rt.create_response()),
    Case("response.bare.event_id", rt.create_response(event_id="evt_resp_0001")),
    Case("response.text_keywords",
         rt.create_response(output_modalities=["text"], instructions="Reply in one word.",
                            event_id="evt_resp_0002")),
    Case(
        "response.audio_overrides",
        rt.create_response(rt.ResponseParams(
            output_modalities=["audio"],
            instructions="Speak slowly and warmly.",
            audio=ResponseAudio(output=ResponseAudioOutput(format=rt.AudioPCMU(),
                                                           voice="sage")),
            max_output_tokens=512,
            tools=[rt.FunctionTool(**{k: v for k, v in WEATHER_TOOL.items() if k != "type"})],
            tool_choice="required",
        )),
    ),
    Case(
        "response.out_of_band.input_items",
        rt.create_response({
            "conversation": "none",
            "output_modalities": ["text"],
            "metadata": {"purpose": "topic_classification", "turn": "7"},
            "instructions": "Classify the topic of the conversation in one word.",
            "input": [
                rt.system_text("Topics: weather, booking, other.").to_dict(),
                rt.user_text("Is it going to rain tomorrow?").to_dict(),
                rt.assistant_text("Probably, bring an umbrella.").to_dict(),
            ],
            "max_output_tokens": 16,
        }, event_id="evt_oob_1"),
    ),
    Case(
        "response.input.function_call_output",
        rt.create_response(
            conversation="none",
            input=[
                FunctionCall(name="get_weather", arguments='{"city":"Paris"}',
                             call_id="call_Qm3Zt8Rk1XbV7yLd").to_dict(),
                rt.function_output("call_Qm3Zt8Rk1XbV7yLd", {"temperature_c": 18}).to_dict(),
            ],
            tools=[WEATHER_TOOL],
            tool_choice="auto",
        ),
    ),
    Case(
        "response.input.item_reference",
        rt.create_response(rt.ResponseParams(
            conversation="none",
            input=[
                ItemReference(id="item_CRqTtA5mJ1xW8nQ3eGs7V"),
                rt.user_text("Summarise the previous message."),
            ],
            metadata={"purpose": "summary"},
        ), event_id="evt_oob_ref"),
    ),
    Case("response.input.empty",
         rt.create_response(conversation="none", input=[], instructions="Say hello.")),
    Case("response.metadata_null", rt.create_response(metadata=None, conversation="auto")),
    # GA-only response fields
    Case("response.tool_choice.function",
         rt.create_response(tools=[BOOKING_TOOL], tool_choice={"type": "function",
                                                               "name": "book_table"}),
         beta="response.tool_choice"),
    Case("response.tool_choice.mcp",
         rt.create_response(tool_choice=ToolChoiceMcp(server_label="deepwiki")),
         beta="response.tool_choice"),
    Case("response.mcp_tool", rt.create_response(tools=[MCP_TOOL]), beta="response.tools[0]"),
    Case("response.prompt",
         rt.create_response(prompt={"id": "pmpt_68b0d5e2a1c4819", "variables": {"n": "2"}}),
         beta="response.prompt"),
    Case("response.reasoning", rt.create_response(reasoning={"effort": "minimal"}),
         beta="response.reasoning"),
    Case("response.parallel_tool_calls",
         rt.create_response(tools=[BOOKING_TOOL], parallel_tool_calls=True),
         beta="response.parallel_tool_calls"),
    Case("response.custom_voice",
         rt.create_response(audio={"output": {"voice": {"id": "voice_1234abcd"}}}),
         beta="response.audio.output.voice"),
    Case(
        "response.input.input_image",
        rt.create_response(input=[rt.Message(role="user", content=[
            InputImage(image_url=PNG_DATA_URI, detail="auto")]).to_dict()]),
        beta="response.input[0].content[0]",
    ),
    Case(
        "response.input.assistant_audio",
        rt.create_response(input=[
            rt.user_text("Tell me a joke.").to_dict(),
            rt.Message(role="assistant", content=[
                rt.OutputAudio(transcript="Why did the scarecrow win an award?")]).to_dict(),
        ]),
        beta="response.input[1].content[0]",
    ),
    Case(
        "response.input.mcp_approval_response",
        rt.create_response(input=[McpApprovalResponse(
            id="mcpa_1", approval_request_id="mcpr_1", approve=False,
            reason="Not allowed").to_dict()]),
        beta="response.input[0]",
    ),
    # beta-only response fields
    Case("response.temperature", rt.create_response(temperature=0.9),
         ga="response.temperature"),
    Case(
        "response.input.item_reference_part",
        rt.create_response(input=[rt.Message(role="user", content=[
            ItemReferencePart(id="item_CRqTtA5mJ1xW8nQ3eGs7V")]).to_dict()]),
        ga="response.input[0].content[0]",
    ),
    Case("cancel", rt.cancel_response()),
    Case("cancel.response_id", rt.cancel_response("resp_CRqTu0Zf3K8aVdH1rYc6X")),
    Case("cancel.response_id.event_id",
         rt.cancel_response("resp_CRqTu0Zf3K8aVdH1rYc6X", event_id="evt_cancel_1")),
    Case("cancel.event_id", rt.cancel_response(event_id="evt_cancel_2")),
]


def _params(dialect: str, accepted: bool) -> list[Any]:
    return [
        pytest.param(case, id=case.name)
        for case in CASES
        if (getattr(case, dialect) == OK) == accepted
    ]


# -- coverage -------------------------------------------------------------------------------------


def test_case_names_are_unique() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))


def test_sdk_union_sizes() -> None:
    # Pins the SDK version these cases were written for: eleven shared types, plus one in beta.
    assert len(sdk_types(GaClientEvent)) == 11
    assert sdk_types(BetaClientEvent) == sdk_types(GaClientEvent) | {
        "transcription_session.update"
    }


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_cases_cover_every_sdk_client_type(dialect: str) -> None:
    covered = {
        case.event.to_dict(dialect)["type"]
        for case in CASES
        if getattr(case, dialect) == OK
    }
    sdk = sdk_types(SDK_UNIONS[dialect])
    assert covered == sdk, {"missing": sorted(sdk - covered), "extra": sorted(covered - sdk)}


def test_every_sdk_type_has_a_builder() -> None:
    assert set(BUILDERS) == sdk_types(GaClientEvent)
    assert set(rt.wire.CLIENT_EVENT_TYPES) == sdk_types(GaClientEvent)


def test_cases_accepted_in_both_dialects_cover_every_shared_type() -> None:
    # The round trip between dialects is exercised for every type both dialects share.
    both = {case.event.type for case in CASES if case.ga == OK and case.beta == OK}
    assert both == sdk_types(GaClientEvent)


# -- each dialect's wire form conforms to its SDK union -------------------------------------------


@pytest.mark.parametrize("case", _params("ga", True))
def test_ga_wire_form_validates_against_sdk(case: Case) -> None:
    data = case.event.to_dict("ga")
    assert data["type"] == case.event.type
    sdk_validate(data, "ga")
    assert json.loads(case.event.to_json("ga")) == data


@pytest.mark.parametrize("case", _params("beta", True))
def test_beta_wire_form_validates_against_sdk(case: Case) -> None:
    data = case.event.to_dict("beta")
    sdk_validate(data, "beta")
    assert json.loads(case.event.to_json("beta")) == data


@pytest.mark.parametrize("case", _params("ga", True))
def test_ga_parse_round_trip(case: Case) -> None:
    data = case.event.to_dict("ga")
    assert rt.parse_client_event(copy.deepcopy(data), "ga") == case.event
    assert rt.parse_client_event(case.event.to_json("ga"), "ga") == case.event
    assert rt.parse_client_event(case.event.to_json("ga").encode(), "ga") == case.event


@pytest.mark.parametrize("case", _params("beta", True))
def test_beta_parse_round_trip(case: Case) -> None:
    data = case.event.to_dict("beta")
    parsed = rt.parse_client_event(copy.deepcopy(data), "beta")
    assert parsed == case.event
    assert parsed.to_dict("beta") == data
    assert rt.parse_client_event(case.event.to_json("beta"), "beta") == case.event


# -- values without a counterpart raise, naming the field -----------------------------------------


@pytest.mark.parametrize("case", _params("beta", False))
def test_ga_only_values_refuse_beta(case: Case) -> None:
    with pytest.raises(rt.EventValidationError) as info:
        case.event.to_dict("beta")
    assert info.value.param == case.beta
    assert info.value.code == "unsupported_in_dialect"
    assert case.beta in str(info.value)
    with pytest.raises(rt.EventValidationError):
        case.event.to_json("beta")


@pytest.mark.parametrize("case", _params("ga", False))
def test_beta_only_values_refuse_ga(case: Case) -> None:
    with pytest.raises(rt.EventValidationError) as info:
        case.event.to_dict("ga")
    assert info.value.param == case.ga
    assert info.value.code == "unsupported_in_dialect"
    assert case.ga in str(info.value)
    with pytest.raises(rt.EventValidationError):
        case.event.to_json("ga")


def test_every_case_is_accepted_by_at_least_one_dialect() -> None:
    assert all(case.ga == OK or case.beta == OK for case in CASES)


# -- the full session in both dialects ------------------------------------------------------------


def test_full_session_covers_every_ga_field_with_a_beta_counterpart() -> None:
    ga_fields = set(RealtimeSessionCreateRequest.model_fields)
    ga_only = {"truncation", "prompt", "include", "reasoning", "parallel_tool_calls"}
    assert set(FULL_GA_SESSION) == ga_fields - ga_only
    audio = FULL_GA_SESSION["audio"]
    assert set(audio["input"]) == {"format", "transcription", "noise_reduction", "turn_detection"}
    assert set(audio["output"]) == {"format", "voice", "speed"}


def test_full_session_model_and_dict_agree() -> None:
    assert rt.session_update(FULL_SESSION_MODEL).to_dict("ga")["session"] == FULL_GA_SESSION
    assert rt.session_update(FULL_SESSION_MODEL) == rt.session_update(FULL_GA_SESSION)


def test_full_session_in_beta_is_the_flat_equivalent() -> None:
    event = rt.session_update(FULL_GA_SESSION, event_id="evt_sess_full")
    assert event.to_dict("beta") == {
        "type": "session.update",
        "event_id": "evt_sess_full",
        "session": FULL_BETA_SESSION,
    }


def test_full_beta_session_parses_to_the_ga_value() -> None:
    beta = {"type": "session.update", "event_id": "evt_sess_full", "session": FULL_BETA_SESSION}
    sdk_validate(beta, "beta")
    parsed = rt.parse_client_event(json.dumps(beta), "beta")
    assert parsed == rt.session_update(FULL_GA_SESSION, event_id="evt_sess_full")
    assert parsed.to_dict("ga")["session"] == FULL_GA_SESSION


def test_transcription_session_update_is_its_own_beta_event() -> None:
    event = rt.session_update(TRANSCRIPTION_SESSION, event_id="evt_transcribe_1")
    assert event.to_dict("ga")["type"] == "session.update"
    assert event.to_dict("beta") == {
        "type": "transcription_session.update",
        "event_id": "evt_transcribe_1",
        "session": {
            "input_audio_format": "pcm16",
            "input_audio_transcription": {"model": "gpt-4o-transcribe", "language": "en",
                                          "prompt": "Medical vocabulary."},
            "input_audio_noise_reduction": {"type": "far_field"},
            "turn_detection": {"type": "server_vad", "threshold": 0.5,
                               "prefix_padding_ms": 300, "silence_duration_ms": 500},
            "include": ["item.input_audio_transcription.logprobs"],
        },
    }


# -- the helpers themselves -----------------------------------------------------------------------


def test_with_references_model_mirrors_the_sdk_param_type() -> None:
    # Same keys as the SDK's with-references param type; only `input` is widened.
    param_keys = set(typing.get_type_hints(RealtimeResponseCreateParamsWithReferencesParam))
    assert set(ResponseCreateParamsWithReferences.model_fields) == param_keys
    assert set(RealtimeResponseCreateParams.model_fields) == param_keys
    # ...and the widening is needed: the SDK's plain model refuses an item reference.
    data = next(c for c in CASES if c.name == "response.input.item_reference").event.to_dict()
    assert _has_item_reference(data)
    with pytest.raises(pydantic.ValidationError):
        ADAPTERS["ga"].validate_python(data)


def test_extras_check_is_not_vacuous() -> None:
    data = rt.session_update(FULL_GA_SESSION).to_dict("ga")
    data["session"]["audio"]["input"]["turn_detection"]["x_unknown"] = 1
    with pytest.raises(AssertionError, match="x_unknown"):
        sdk_validate(data, "ga")
    beta = rt.create_item(rt.user_text("Hi")).to_dict("beta")
    beta["item"]["content"][0]["x_unknown"] = 1
    with pytest.raises(AssertionError, match="x_unknown"):
        sdk_validate(beta, "beta")
