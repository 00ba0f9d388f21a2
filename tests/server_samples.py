"""Realistic server events, one or more per ``type``, for both dialects.

Every sample is shaped like traffic from the Realtime service: ids with the
observed prefixes (``event_``, ``sess_``, ``conv_``, ``resp_``, ``item_``,
``call_``), base64 audio deltas of about 4 KB, full default sessions and
``response.done`` with token usage. Each sample carries only keys that the
``openai`` SDK (3.57.0) model of its dialect declares, so the conformance tests
can demand that the SDK validates it with nothing left over in ``model_extra``.

* :data:`GA_SAMPLES`: every member of
  ``openai.types.realtime.realtime_server_event.RealtimeServerEvent``.
* :data:`BETA_SAMPLES`: every member of
  ``openai.types.beta.realtime.realtime_server_event.RealtimeServerEvent``.

Each sample has a distinct ``event_id`` (the GA ``dtmf_event_received`` has none:
its SDK model has no such field), which the tests use as the sample's name.
"""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

__all__ = [
    "AUDIO_DELTA_B64",
    "USER_AUDIO_B64",
    "GA_SAMPLES",
    "BETA_SAMPLES",
    "sample_id",
]

JSON = dict[str, Any]


def _pcm16_tone(ms: int, freq: float = 220.0, rate: int = 24_000, amp: float = 0.25) -> bytes:
    """``ms`` milliseconds of a sine tone as 16-bit little-endian mono PCM at 24 kHz."""
    count = rate * ms // 1000
    return b"".join(
        struct.pack("<h", round(amp * 32767 * math.sin(2 * math.pi * freq * i / rate)))
        for i in range(count)
    )


AUDIO_DELTA_B64 = base64.b64encode(_pcm16_tone(64)).decode()
"""64 ms of output audio (3072 bytes of PCM16): 4096 base64 characters, a typical delta."""

USER_AUDIO_B64 = base64.b64encode(_pcm16_tone(200, freq=330.0)).decode()
"""200 ms of user audio as ``conversation.item.retrieved`` returns it."""


def sample_id(sample: JSON) -> str:
    """A readable test id: the type plus the sample's own event id."""
    return f"{sample['type']}:{sample.get('event_id', '-')}"


# -- shared ids -----------------------------------------------------------------------------

SESSION_ID = "sess_CRqTsH2n8vYb3kX1pL0aZ"
CONVERSATION_ID = "conv_CRqTsIwq9d4Fh7sPm2LbN"
RESPONSE_ID = "resp_CRqTu0Zf3K8aVdH1rYc6X"
RESPONSE_ID_2 = "resp_CRqU1pQ7mB2sLwE9tZx4K"
RESPONSE_ID_3 = "resp_CRqU4hN6yT0cGvR8kWa2D"
USER_ITEM_ID = "item_CRqTtA5mJ1xW8nQ3eGs7V"
ASSISTANT_ITEM_ID = "item_CRqTu1Lk9pD6fZc2hYr0M"
PREVIOUS_ITEM_ID = "item_CRqTrB7cN4vK0wS9jHq1E"
FUNCTION_ITEM_ID = "item_CRqU1qX3gH8nM5bVt6Lp0"
CALL_ID = "call_Qm3Zt8Rk1XbV7yLd"
MCP_CALL_ID = "mcp_CRqU5aB2cD3eF4gH5iJ6k"
MCP_LIST_ID = "mcpl_CRqU5bK8dW1eQ4nT7yU0z"
MCP_APPROVAL_ID = "mcpr_CRqU5cP9sL2vX6mA3hG8j"

WEATHER_TOOL: JSON = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name, e.g. Paris"}},
        "required": ["city"],
    },
}

DEFAULT_INSTRUCTIONS = (
    "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI. Act like a"
    " human, but remember that you aren't a human and that you can't do human things in the"
    " real world. Your voice and personality should be warm and engaging, with a lively and"
    " playful tone."
)

LOGPROBS: list[JSON] = [
    {"token": "What", "logprob": -0.0021, "bytes": [87, 104, 97, 116]},
    {"token": "'s", "logprob": -0.0107, "bytes": [39, 115]},
    {"token": " the", "logprob": -0.0004, "bytes": [32, 116, 104, 101]},
    {"token": " weather", "logprob": -0.0312, "bytes": [32, 119, 101, 97, 116, 104, 101, 114]},
]


# -- GA ------------------------------------------------------------------------------------

GA_DEFAULT_SESSION: JSON = {
    "type": "realtime",
    "model": "gpt-realtime",
    "output_modalities": ["audio"],
    "instructions": DEFAULT_INSTRUCTIONS,
    "tools": [],
    "tool_choice": "auto",
    "max_output_tokens": "inf",
    "tracing": None,
    "truncation": "auto",
    "prompt": None,
    "include": None,
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "transcription": None,
            "noise_reduction": None,
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 200,
                "idle_timeout_ms": None,
                "create_response": True,
                "interrupt_response": True,
            },
        },
        "output": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "voice": "alloy",
            "speed": 1.0,
        },
    },
}
"""The observed GA default session (protocol reference 4.1.1), without the ``id``,
``object`` and ``expires_at`` keys the SDK's ``session.created`` model does not declare."""

GA_UPDATED_SESSION: JSON = {
    **GA_DEFAULT_SESSION,
    "instructions": "You are a hotel concierge. Answer in at most two sentences.",
    "tools": [WEATHER_TOOL],
    "tool_choice": "auto",
    "max_output_tokens": 1024,
    "tracing": {"workflow_name": "concierge", "group_id": "grp_7", "metadata": {"tier": "gold"}},
    "truncation": {
        "type": "retention_ratio",
        "retention_ratio": 0.8,
        "token_limits": {"post_instructions": 8000},
    },
    "include": ["item.input_audio_transcription.logprobs"],
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "transcription": {"model": "gpt-4o-transcribe", "language": "en", "prompt": ""},
            "noise_reduction": {"type": "near_field"},
            "turn_detection": {
                "type": "semantic_vad",
                "eagerness": "medium",
                "create_response": True,
                "interrupt_response": True,
            },
        },
        "output": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "voice": "marin",
            "speed": 1.1,
        },
    },
}

GA_TRANSCRIPTION_SESSION: JSON = {
    "type": "transcription",
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "transcription": {"model": "gpt-4o-transcribe", "language": "en", "prompt": ""},
            "noise_reduction": {"type": "near_field"},
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 500,
            },
        },
    },
    "include": ["item.input_audio_transcription.logprobs"],
}

GA_USER_AUDIO_ITEM: JSON = {
    "id": USER_ITEM_ID,
    "type": "message",
    "status": "completed",
    "role": "user",
    "content": [{"type": "input_audio", "transcript": None}],
}

GA_ASSISTANT_EMPTY_ITEM: JSON = {
    "id": ASSISTANT_ITEM_ID,
    "type": "message",
    "status": "in_progress",
    "role": "assistant",
    "content": [],
}

ASSISTANT_TRANSCRIPT = "It's 18 degrees and sunny in Paris right now."

GA_ASSISTANT_AUDIO_ITEM: JSON = {
    "id": ASSISTANT_ITEM_ID,
    "type": "message",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_audio", "transcript": ASSISTANT_TRANSCRIPT}],
}

GA_FUNCTION_CALL_ITEM: JSON = {
    "id": FUNCTION_ITEM_ID,
    "type": "function_call",
    "status": "completed",
    "name": "get_weather",
    "call_id": CALL_ID,
    "arguments": '{"city":"Paris"}',
}

GA_USAGE: JSON = {
    "total_tokens": 320,
    "input_tokens": 132,
    "output_tokens": 188,
    "input_token_details": {
        "text_tokens": 59,
        "audio_tokens": 73,
        "image_tokens": 0,
        "cached_tokens": 64,
        "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 64, "image_tokens": 0},
    },
    "output_token_details": {"text_tokens": 41, "audio_tokens": 147},
}

GA_RESPONSE_AUDIO: JSON = {
    "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"},
}


def _ga_response(**fields: Any) -> JSON:
    response: JSON = {
        "object": "realtime.response",
        "id": RESPONSE_ID,
        "status": "in_progress",
        "status_details": None,
        "output": [],
        "conversation_id": CONVERSATION_ID,
        "output_modalities": ["audio"],
        "max_output_tokens": "inf",
        "audio": GA_RESPONSE_AUDIO,
        "usage": None,
        "metadata": None,
    }
    response.update(fields)
    return response


GA_SAMPLES: list[JSON] = [
    # session and conversation
    {"type": "session.created", "event_id": "event_CRqTsHa01", "session": GA_DEFAULT_SESSION},
    {"type": "session.updated", "event_id": "event_CRqTsHa02", "session": GA_UPDATED_SESSION},
    {"type": "session.updated", "event_id": "event_CRqTsHa03",
     "session": GA_TRANSCRIPTION_SESSION},
    {
        "type": "conversation.created",
        "event_id": "event_CRqTsHa04",
        "conversation": {"id": CONVERSATION_ID, "object": "realtime.conversation"},
    },
    {
        "type": "error",
        "event_id": "event_CRqTsHa05",
        "error": {
            "type": "invalid_request_error",
            "code": "unknown_parameter",
            "message": "Unknown parameter: 'session.tools[2].meta'.",
            "param": "session.tools[2].meta",
            "event_id": "evt_client_0007",
        },
    },
    {
        "type": "error",
        "event_id": "event_CRqTsHa06",
        "error": {
            "type": "invalid_request_error",
            "code": "conversation_already_has_active_response",
            "message": (
                f"Conversation already has an active response in progress: {RESPONSE_ID}."
                " Wait until the response is finished before creating a new one."
            ),
            "param": None,
            "event_id": None,
        },
    },
    # input audio buffer and the user turn
    {
        "type": "input_audio_buffer.speech_started",
        "event_id": "event_CRqTsHa07",
        "audio_start_ms": 1180,
        "item_id": USER_ITEM_ID,
    },
    {
        "type": "input_audio_buffer.speech_stopped",
        "event_id": "event_CRqTsHa08",
        "audio_end_ms": 3240,
        "item_id": USER_ITEM_ID,
    },
    {
        "type": "input_audio_buffer.committed",
        "event_id": "event_CRqTsHa09",
        "previous_item_id": PREVIOUS_ITEM_ID,
        "item_id": USER_ITEM_ID,
    },
    {"type": "input_audio_buffer.cleared", "event_id": "event_CRqTsHa10"},
    {
        "type": "input_audio_buffer.timeout_triggered",
        "event_id": "event_CRqTsHa11",
        "audio_start_ms": 13400,
        "audio_end_ms": 19400,
        "item_id": "item_CRqTv8yZ2aS5dF0gH3jK6",
    },
    {"type": "input_audio_buffer.dtmf_event_received", "event": "5", "received_at": 1760541203},
    {
        "type": "conversation.item.added",
        "event_id": "event_CRqTsHa12",
        "previous_item_id": PREVIOUS_ITEM_ID,
        "item": GA_USER_AUDIO_ITEM,
    },
    {
        "type": "conversation.item.done",
        "event_id": "event_CRqTsHa13",
        "previous_item_id": PREVIOUS_ITEM_ID,
        "item": GA_USER_AUDIO_ITEM,
    },
    {
        "type": "conversation.item.created",
        "event_id": "event_CRqTsHa14",
        "previous_item_id": None,
        "item": {
            "id": "item_CRqTsJ4xD9cV2bN7mQ1wE",
            "type": "message",
            "status": "completed",
            "role": "system",
            "content": [{"type": "input_text", "text": "The user is a premium guest."}],
        },
    },
    {
        "type": "conversation.item.retrieved",
        "event_id": "event_CRqTsHa15",
        "item": {
            "id": USER_ITEM_ID,
            "object": "realtime.item",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [
                {
                    "type": "input_audio",
                    "audio": USER_AUDIO_B64,
                    "transcript": "What's the weather in Paris?",
                },
            ],
        },
    },
    {
        "type": "conversation.item.truncated",
        "event_id": "event_CRqTsHa16",
        "item_id": ASSISTANT_ITEM_ID,
        "content_index": 0,
        "audio_end_ms": 1536,
    },
    {"type": "conversation.item.deleted", "event_id": "event_CRqTsHa17",
     "item_id": PREVIOUS_ITEM_ID},
    # input audio transcription
    {
        "type": "conversation.item.input_audio_transcription.delta",
        "event_id": "event_CRqTsHa18",
        "item_id": USER_ITEM_ID,
        "content_index": 0,
        "delta": "What's the weather",
        "logprobs": LOGPROBS,
    },
    {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": "event_CRqTsHa19",
        "item_id": USER_ITEM_ID,
        "content_index": 0,
        "transcript": "What's the weather in Paris?",
        "usage": {
            "type": "tokens",
            "total_tokens": 26,
            "input_tokens": 17,
            "input_token_details": {"text_tokens": 0, "audio_tokens": 17},
            "output_tokens": 9,
        },
        "logprobs": LOGPROBS,
        "languages": [{"code": "en"}],
    },
    {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": "event_CRqTsHa20",
        "item_id": USER_ITEM_ID,
        "content_index": 0,
        "transcript": "What's the weather in Paris?",
        "usage": {"type": "duration", "seconds": 2.06},
    },
    {
        "type": "conversation.item.input_audio_transcription.segment",
        "event_id": "event_CRqTsHa21",
        "item_id": USER_ITEM_ID,
        "content_index": 0,
        "id": "seg_0001",
        "text": "What's the weather in Paris?",
        "speaker": "A",
        "start": 0.0,
        "end": 2.06,
    },
    {
        "type": "conversation.item.input_audio_transcription.failed",
        "event_id": "event_CRqTsHa22",
        "item_id": USER_ITEM_ID,
        "content_index": 0,
        "error": {
            "type": "transcription_error",
            "code": "audio_unintelligible",
            "message": "The audio could not be transcribed.",
            "param": None,
        },
    },
    # a spoken response
    {"type": "response.created", "event_id": "event_CRqTsHa23", "response": _ga_response()},
    {
        "type": "rate_limits.updated",
        "event_id": "event_CRqTsHa24",
        "rate_limits": [
            {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012},
            {"name": "tokens", "limit": 40000, "remaining": 38490, "reset_seconds": 2.265},
        ],
    },
    {
        "type": "response.output_item.added",
        "event_id": "event_CRqTsHa25",
        "response_id": RESPONSE_ID,
        "output_index": 0,
        "item": GA_ASSISTANT_EMPTY_ITEM,
    },
    {
        "type": "conversation.item.added",
        "event_id": "event_CRqTsHa26",
        "previous_item_id": USER_ITEM_ID,
        "item": GA_ASSISTANT_EMPTY_ITEM,
    },
    {
        "type": "response.content_part.added",
        "event_id": "event_CRqTsHa27",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
        "part": {"type": "audio", "transcript": ""},
    },
    {"type": "output_audio_buffer.started", "event_id": "event_CRqTsHa28",
     "response_id": RESPONSE_ID},
    {
        "type": "response.output_audio_transcript.delta",
        "event_id": "event_CRqTsHa29",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
        "delta": "It's 18 degrees",
    },
    {
        "type": "response.output_audio.delta",
        "event_id": "event_CRqTsHa30",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
        "delta": AUDIO_DELTA_B64,
    },
    {
        "type": "response.output_audio.done",
        "event_id": "event_CRqTsHa31",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
    },
    {
        "type": "response.output_audio_transcript.done",
        "event_id": "event_CRqTsHa32",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
        "transcript": ASSISTANT_TRANSCRIPT,
    },
    {
        "type": "response.content_part.done",
        "event_id": "event_CRqTsHa33",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
        "part": {"type": "audio", "transcript": ASSISTANT_TRANSCRIPT},
    },
    {
        "type": "response.output_item.done",
        "event_id": "event_CRqTsHa34",
        "response_id": RESPONSE_ID,
        "output_index": 0,
        "item": GA_ASSISTANT_AUDIO_ITEM,
    },
    {
        "type": "conversation.item.done",
        "event_id": "event_CRqTsHa35",
        "previous_item_id": USER_ITEM_ID,
        "item": GA_ASSISTANT_AUDIO_ITEM,
    },
    {
        "type": "response.done",
        "event_id": "event_CRqTsHa36",
        "response": _ga_response(
            status="completed",
            output=[GA_ASSISTANT_AUDIO_ITEM],
            usage=GA_USAGE,
        ),
    },
    {"type": "output_audio_buffer.stopped", "event_id": "event_CRqTsHa37",
     "response_id": RESPONSE_ID},
    {"type": "output_audio_buffer.cleared", "event_id": "event_CRqTsHa38",
     "response_id": RESPONSE_ID},
    # barge-in: the response is cancelled by new speech
    {
        "type": "response.done",
        "event_id": "event_CRqTsHa39",
        "response": _ga_response(
            status="cancelled",
            status_details={"type": "cancelled", "reason": "turn_detected"},
            output=[{
                **GA_ASSISTANT_AUDIO_ITEM,
                "status": "incomplete",
                "content": [{"type": "output_audio", "transcript": "It's 18 degrees"}],
            }],
            usage={
                "total_tokens": 171,
                "input_tokens": 140,
                "output_tokens": 31,
                "input_token_details": {
                    "text_tokens": 59,
                    "audio_tokens": 81,
                    "image_tokens": 0,
                    "cached_tokens": 128,
                    "cached_tokens_details": {
                        "text_tokens": 59, "audio_tokens": 69, "image_tokens": 0,
                    },
                },
                "output_token_details": {"text_tokens": 7, "audio_tokens": 24},
            },
        ),
    },
    # a text response out of band, with metadata
    {
        "type": "response.output_text.delta",
        "event_id": "event_CRqTsHa40",
        "response_id": RESPONSE_ID_2,
        "item_id": "item_CRqU1pR2sT3uV4wX5yZ6a",
        "output_index": 0,
        "content_index": 0,
        "delta": "weather",
    },
    {
        "type": "response.output_text.done",
        "event_id": "event_CRqTsHa41",
        "response_id": RESPONSE_ID_2,
        "item_id": "item_CRqU1pR2sT3uV4wX5yZ6a",
        "output_index": 0,
        "content_index": 0,
        "text": "weather",
    },
    {
        "type": "response.done",
        "event_id": "event_CRqTsHa42",
        "response": _ga_response(
            id=RESPONSE_ID_2,
            status="completed",
            conversation_id=None,
            output_modalities=["text"],
            max_output_tokens=16,
            metadata={"purpose": "topic_classification"},
            output=[{
                "id": "item_CRqU1pR2sT3uV4wX5yZ6a",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "weather"}],
            }],
            usage={
                "total_tokens": 96,
                "input_tokens": 94,
                "output_tokens": 2,
                "input_token_details": {
                    "text_tokens": 94, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 0,
                },
                "output_token_details": {"text_tokens": 2, "audio_tokens": 0},
            },
        ),
    },
    # a function call
    {
        "type": "response.output_item.added",
        "event_id": "event_CRqTsHa43",
        "response_id": RESPONSE_ID_2,
        "output_index": 0,
        "item": {**GA_FUNCTION_CALL_ITEM, "status": "in_progress", "arguments": ""},
    },
    {
        "type": "response.function_call_arguments.delta",
        "event_id": "event_CRqTsHa44",
        "response_id": RESPONSE_ID_2,
        "item_id": FUNCTION_ITEM_ID,
        "output_index": 0,
        "call_id": CALL_ID,
        "delta": '{"city":"Pa',
    },
    {
        "type": "response.function_call_arguments.done",
        "event_id": "event_CRqTsHa45",
        "response_id": RESPONSE_ID_2,
        "item_id": FUNCTION_ITEM_ID,
        "output_index": 0,
        "call_id": CALL_ID,
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
    },
    {
        "type": "conversation.item.done",
        "event_id": "event_CRqTsHa46",
        "previous_item_id": USER_ITEM_ID,
        "item": GA_FUNCTION_CALL_ITEM,
    },
    {
        "type": "response.done",
        "event_id": "event_CRqTsHa47",
        "response": _ga_response(
            id=RESPONSE_ID_2,
            status="completed",
            output=[GA_FUNCTION_CALL_ITEM],
            usage={
                "total_tokens": 250,
                "input_tokens": 231,
                "output_tokens": 19,
                "input_token_details": {"text_tokens": 150, "audio_tokens": 81,
                                        "cached_tokens": 0},
                "output_token_details": {"text_tokens": 19, "audio_tokens": 0},
            },
        ),
    },
    {
        "type": "conversation.item.added",
        "event_id": "event_CRqTsHa48",
        "previous_item_id": FUNCTION_ITEM_ID,
        "item": {
            "id": "item_CRqU2aQ9wE8rT7yU6iO5p",
            "type": "function_call_output",
            "call_id": CALL_ID,
            "output": '{"temperature_c":18,"sky":"sunny"}',
        },
    },
    # a failed response
    {
        "type": "response.done",
        "event_id": "event_CRqTsHa49",
        "response": _ga_response(
            id=RESPONSE_ID_3,
            status="failed",
            status_details={
                "type": "failed",
                "error": {
                    "type": "server_error",
                    "code": "internal_error",
                    "message": "The server had an error while processing your request.",
                },
            },
        ),
    },
    # MCP
    {"type": "mcp_list_tools.in_progress", "event_id": "event_CRqTsHa50",
     "item_id": MCP_LIST_ID},
    {"type": "mcp_list_tools.completed", "event_id": "event_CRqTsHa51", "item_id": MCP_LIST_ID},
    {"type": "mcp_list_tools.failed", "event_id": "event_CRqTsHa52", "item_id": MCP_LIST_ID},
    {
        "type": "conversation.item.done",
        "event_id": "event_CRqTsHa53",
        "previous_item_id": None,
        "item": {
            "id": MCP_LIST_ID,
            "type": "mcp_list_tools",
            "server_label": "deepwiki",
            "tools": [
                {
                    "name": "ask_question",
                    "description": "Ask any question about a GitHub repository.",
                    "input_schema": {
                        "type": "object",
                        "properties": {"repoName": {"type": "string"},
                                       "question": {"type": "string"}},
                        "required": ["repoName", "question"],
                    },
                    "annotations": None,
                },
            ],
        },
    },
    {
        "type": "response.output_item.added",
        "event_id": "event_CRqTsHa54",
        "response_id": RESPONSE_ID_3,
        "output_index": 0,
        "item": {
            "id": MCP_APPROVAL_ID,
            "type": "mcp_approval_request",
            "server_label": "deepwiki",
            "name": "ask_question",
            "arguments": '{"repoName":"openai/openai-python","question":"What is Realtime?"}',
        },
    },
    {
        "type": "conversation.item.added",
        "event_id": "event_CRqTsHa55",
        "previous_item_id": MCP_APPROVAL_ID,
        "item": {
            "id": "mcpa_CRqU5dR1tY4uI7oP0aS3d",
            "type": "mcp_approval_response",
            "approval_request_id": MCP_APPROVAL_ID,
            "approve": True,
            "reason": None,
        },
    },
    {
        "type": "response.mcp_call_arguments.delta",
        "event_id": "event_CRqTsHa56",
        "response_id": RESPONSE_ID_3,
        "item_id": MCP_CALL_ID,
        "output_index": 1,
        "delta": '{"repoName":"openai/',
        "obfuscation": "x7Qp",
    },
    {
        "type": "response.mcp_call_arguments.done",
        "event_id": "event_CRqTsHa57",
        "response_id": RESPONSE_ID_3,
        "item_id": MCP_CALL_ID,
        "output_index": 1,
        "arguments": '{"repoName":"openai/openai-python","question":"What is Realtime?"}',
    },
    {"type": "response.mcp_call.in_progress", "event_id": "event_CRqTsHa58",
     "item_id": MCP_CALL_ID, "output_index": 1},
    {"type": "response.mcp_call.completed", "event_id": "event_CRqTsHa59",
     "item_id": MCP_CALL_ID, "output_index": 1},
    {"type": "response.mcp_call.failed", "event_id": "event_CRqTsHa60",
     "item_id": MCP_CALL_ID, "output_index": 1},
    {
        "type": "response.output_item.done",
        "event_id": "event_CRqTsHa61",
        "response_id": RESPONSE_ID_3,
        "output_index": 1,
        "item": {
            "id": MCP_CALL_ID,
            "type": "mcp_call",
            "server_label": "deepwiki",
            "name": "ask_question",
            "arguments": '{"repoName":"openai/openai-python","question":"What is Realtime?"}',
            "approval_request_id": MCP_APPROVAL_ID,
            "output": "The Realtime API streams audio and text over a WebSocket.",
            "error": None,
        },
    },
    {
        "type": "response.output_item.done",
        "event_id": "event_CRqTsHa62",
        "response_id": RESPONSE_ID_3,
        "output_index": 2,
        "item": {
            "id": "mcp_CRqU6eF7gH8iJ9kL0mN1o",
            "type": "mcp_call",
            "server_label": "deepwiki",
            "name": "ask_question",
            "arguments": '{"repoName":"nope/nope","question":"?"}',
            "approval_request_id": None,
            "output": None,
            "error": {"type": "http_error", "code": 404, "message": "Repository not found."},
        },
    },
]
"""GA server events: every type of the GA SDK union, several where the shape varies."""


# -- beta ----------------------------------------------------------------------------------

BETA_DEFAULT_SESSION: JSON = {
    "id": SESSION_ID,
    "model": "gpt-4o-realtime-preview-2024-12-17",
    "modalities": ["text", "audio"],
    "instructions": DEFAULT_INSTRUCTIONS,
    "voice": "alloy",
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "input_audio_transcription": None,
    "input_audio_noise_reduction": None,
    "turn_detection": {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 200,
        "create_response": True,
        "interrupt_response": True,
    },
    "tools": [],
    "tool_choice": "auto",
    "temperature": 0.8,
    "max_response_output_tokens": "inf",
    "speed": 1.0,
    "tracing": None,
}
"""A beta ``session.created`` session as captured, minus ``object``/``expires_at``/
``client_secret``/``custom_voice_id``, which the beta SDK session model does not declare."""

BETA_UPDATED_SESSION: JSON = {
    **BETA_DEFAULT_SESSION,
    "modalities": ["text"],
    "instructions": "You are a hotel concierge. Answer in at most two sentences.",
    "voice": "sage",
    "input_audio_format": "g711_ulaw",
    "output_audio_format": "g711_alaw",
    "input_audio_transcription": {"model": "whisper-1", "language": "en", "prompt": ""},
    "input_audio_noise_reduction": {"type": "far_field"},
    "turn_detection": {
        "type": "semantic_vad",
        "eagerness": "low",
        "create_response": True,
        "interrupt_response": False,
    },
    "tools": [WEATHER_TOOL],
    "tool_choice": "required",
    "temperature": 0.7,
    "max_response_output_tokens": 512,
    "speed": 0.9,
    "tracing": "auto",
}

BETA_USER_AUDIO_ITEM: JSON = {
    "id": USER_ITEM_ID,
    "object": "realtime.item",
    "type": "message",
    "status": "completed",
    "role": "user",
    "content": [{"type": "input_audio", "transcript": None}],
}

BETA_ASSISTANT_EMPTY_ITEM: JSON = {
    "id": ASSISTANT_ITEM_ID,
    "object": "realtime.item",
    "type": "message",
    "status": "in_progress",
    "role": "assistant",
    "content": [],
}

BETA_ASSISTANT_AUDIO_ITEM: JSON = {
    **BETA_ASSISTANT_EMPTY_ITEM,
    "status": "completed",
    "content": [{"type": "audio", "transcript": ASSISTANT_TRANSCRIPT}],
}

BETA_FUNCTION_CALL_ITEM: JSON = {
    "id": FUNCTION_ITEM_ID,
    "object": "realtime.item",
    "type": "function_call",
    "status": "completed",
    "name": "get_weather",
    "call_id": CALL_ID,
    "arguments": '{"city":"Paris"}',
}

BETA_USAGE: JSON = {
    "total_tokens": 320,
    "input_tokens": 132,
    "output_tokens": 188,
    "input_token_details": {"cached_tokens": 64, "text_tokens": 59, "audio_tokens": 73},
    "output_token_details": {"text_tokens": 41, "audio_tokens": 147},
}


def _beta_response(**fields: Any) -> JSON:
    response: JSON = {
        "object": "realtime.response",
        "id": RESPONSE_ID,
        "status": "in_progress",
        "status_details": None,
        "output": [],
        "conversation_id": CONVERSATION_ID,
        "modalities": ["text", "audio"],
        "voice": "alloy",
        "output_audio_format": "pcm16",
        "temperature": 0.8,
        "max_output_tokens": "inf",
        "usage": None,
        "metadata": None,
    }
    response.update(fields)
    return response


BETA_SAMPLES: list[JSON] = [
    {"type": "session.created", "event_id": "event_BqTsHb01", "session": BETA_DEFAULT_SESSION},
    {"type": "session.updated", "event_id": "event_BqTsHb02", "session": BETA_UPDATED_SESSION},
    {
        "type": "transcription_session.updated",
        "event_id": "event_BqTsHb03",
        "session": {
            "client_secret": {"value": "ek_68af1e9c2d3b4a5f", "expires_at": 1742499600},
            "input_audio_format": "pcm16",
            "input_audio_transcription": {
                "model": "gpt-4o-transcribe", "language": "en", "prompt": "",
            },
            "modalities": ["text"],
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 500,
            },
        },
    },
    {
        "type": "conversation.created",
        "event_id": "event_BqTsHb04",
        "conversation": {"id": CONVERSATION_ID, "object": "realtime.conversation"},
    },
    {
        "type": "error",
        "event_id": "event_BqTsHb05",
        "error": {
            "type": "invalid_request_error",
            "code": "invalid_value",
            "message": "Invalid value: 'nova'. Supported values are: 'alloy', 'ash', ...",
            "param": "session.voice",
            "event_id": "evt_client_0003",
        },
    },
    {
        "type": "input_audio_buffer.speech_started",
        "event_id": "event_BqTsHb06",
        "audio_start_ms": 1180,
        "item_id": USER_ITEM_ID,
    },
    {
        "type": "input_audio_buffer.speech_stopped",
        "event_id": "event_BqTsHb07",
        "audio_end_ms": 3240,
        "item_id": USER_ITEM_ID,
    },
    {
        "type": "input_audio_buffer.committed",
        "event_id": "event_BqTsHb08",
        "previous_item_id": None,
        "item_id": USER_ITEM_ID,
    },
    {"type": "input_audio_buffer.cleared", "event_id": "event_BqTsHb09"},
    {
        "type": "conversation.item.created",
        "event_id": "event_BqTsHb10",
        "previous_item_id": PREVIOUS_ITEM_ID,
        "item": BETA_USER_AUDIO_ITEM,
    },
    {
        "type": "conversation.item.created",
        "event_id": "event_BqTsHb11",
        "previous_item_id": USER_ITEM_ID,
        "item": BETA_ASSISTANT_EMPTY_ITEM,
    },
    {
        "type": "conversation.item.created",
        "event_id": "event_BqTsHb12",
        "previous_item_id": FUNCTION_ITEM_ID,
        "item": {
            "id": "item_CRqU2aQ9wE8rT7yU6iO5p",
            "object": "realtime.item",
            "type": "function_call_output",
            "call_id": CALL_ID,
            "output": '{"temperature_c":18,"sky":"sunny"}',
        },
    },
    {
        "type": "conversation.item.retrieved",
        "event_id": "event_BqTsHb13",
        "item": {
            **BETA_USER_AUDIO_ITEM,
            "content": [{"type": "input_audio", "audio": USER_AUDIO_B64,
                         "transcript": "What's the weather in Paris?"}],
        },
    },
    {
        "type": "conversation.item.truncated",
        "event_id": "event_BqTsHb14",
        "item_id": ASSISTANT_ITEM_ID,
        "content_index": 0,
        "audio_end_ms": 1536,
    },
    {"type": "conversation.item.deleted", "event_id": "event_BqTsHb15",
     "item_id": PREVIOUS_ITEM_ID},
    {
        "type": "conversation.item.input_audio_transcription.delta",
        "event_id": "event_BqTsHb16",
        "item_id": USER_ITEM_ID,
        "content_index": 0,
        "delta": "What's the weather",
        "logprobs": LOGPROBS,
    },
    {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": "event_BqTsHb17",
        "item_id": USER_ITEM_ID,
        "content_index": 0,
        "transcript": "What's the weather in Paris?",
        "usage": {
            "type": "tokens",
            "total_tokens": 26,
            "input_tokens": 17,
            "input_token_details": {"text_tokens": 0, "audio_tokens": 17},
            "output_tokens": 9,
        },
        "logprobs": LOGPROBS,
    },
    {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": "event_BqTsHb18",
        "item_id": USER_ITEM_ID,
        "content_index": 0,
        "transcript": "What's the weather in Paris?",
        "usage": {"type": "duration", "seconds": 2.06},
    },
    {
        "type": "conversation.item.input_audio_transcription.failed",
        "event_id": "event_BqTsHb19",
        "item_id": USER_ITEM_ID,
        "content_index": 0,
        "error": {
            "type": "transcription_error",
            "code": "audio_unintelligible",
            "message": "The audio could not be transcribed.",
            "param": None,
        },
    },
    {"type": "response.created", "event_id": "event_BqTsHb20", "response": _beta_response()},
    {
        "type": "rate_limits.updated",
        "event_id": "event_BqTsHb21",
        "rate_limits": [
            {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012},
            {"name": "tokens", "limit": 40000, "remaining": 38490, "reset_seconds": 2.265},
        ],
    },
    {
        "type": "response.output_item.added",
        "event_id": "event_BqTsHb22",
        "response_id": RESPONSE_ID,
        "output_index": 0,
        "item": BETA_ASSISTANT_EMPTY_ITEM,
    },
    {
        "type": "response.content_part.added",
        "event_id": "event_BqTsHb23",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
        "part": {"type": "audio", "transcript": ""},
    },
    {"type": "output_audio_buffer.started", "event_id": "event_BqTsHb24",
     "response_id": RESPONSE_ID},
    {
        "type": "response.audio_transcript.delta",
        "event_id": "event_BqTsHb25",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
        "delta": "It's 18 degrees",
    },
    {
        "type": "response.audio.delta",
        "event_id": "event_BqTsHb26",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
        "delta": AUDIO_DELTA_B64,
    },
    {
        "type": "response.audio.done",
        "event_id": "event_BqTsHb27",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
    },
    {
        "type": "response.audio_transcript.done",
        "event_id": "event_BqTsHb28",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
        "transcript": ASSISTANT_TRANSCRIPT,
    },
    {
        "type": "response.content_part.done",
        "event_id": "event_BqTsHb29",
        "response_id": RESPONSE_ID,
        "item_id": ASSISTANT_ITEM_ID,
        "output_index": 0,
        "content_index": 0,
        "part": {"type": "audio", "transcript": ASSISTANT_TRANSCRIPT},
    },
    {
        "type": "response.output_item.done",
        "event_id": "event_BqTsHb30",
        "response_id": RESPONSE_ID,
        "output_index": 0,
        "item": BETA_ASSISTANT_AUDIO_ITEM,
    },
    {
        "type": "response.done",
        "event_id": "event_BqTsHb31",
        "response": _beta_response(
            status="completed", output=[BETA_ASSISTANT_AUDIO_ITEM], usage=BETA_USAGE,
        ),
    },
    {"type": "output_audio_buffer.stopped", "event_id": "event_BqTsHb32",
     "response_id": RESPONSE_ID},
    {"type": "output_audio_buffer.cleared", "event_id": "event_BqTsHb33",
     "response_id": RESPONSE_ID},
    {
        "type": "response.done",
        "event_id": "event_BqTsHb34",
        "response": _beta_response(
            status="cancelled",
            status_details={"type": "cancelled", "reason": "client_cancelled"},
            output=[{
                **BETA_ASSISTANT_AUDIO_ITEM,
                "status": "incomplete",
                "content": [{"type": "audio", "transcript": "It's 18"}],
            }],
            usage={
                "total_tokens": 160,
                "input_tokens": 140,
                "output_tokens": 20,
                "input_token_details": {"cached_tokens": 128, "text_tokens": 59,
                                        "audio_tokens": 81},
                "output_token_details": {"text_tokens": 5, "audio_tokens": 15},
            },
        ),
    },
    # text and function calls
    {
        "type": "response.text.delta",
        "event_id": "event_BqTsHb35",
        "response_id": RESPONSE_ID_2,
        "item_id": "item_CRqU1pR2sT3uV4wX5yZ6a",
        "output_index": 0,
        "content_index": 0,
        "delta": "Bonjour",
    },
    {
        "type": "response.text.done",
        "event_id": "event_BqTsHb36",
        "response_id": RESPONSE_ID_2,
        "item_id": "item_CRqU1pR2sT3uV4wX5yZ6a",
        "output_index": 0,
        "content_index": 0,
        "text": "Bonjour ! Comment puis-je vous aider ?",
    },
    {
        "type": "response.content_part.done",
        "event_id": "event_BqTsHb37",
        "response_id": RESPONSE_ID_2,
        "item_id": "item_CRqU1pR2sT3uV4wX5yZ6a",
        "output_index": 0,
        "content_index": 0,
        "part": {"type": "text", "text": "Bonjour ! Comment puis-je vous aider ?"},
    },
    {
        "type": "response.function_call_arguments.delta",
        "event_id": "event_BqTsHb38",
        "response_id": RESPONSE_ID_2,
        "item_id": FUNCTION_ITEM_ID,
        "output_index": 1,
        "call_id": CALL_ID,
        "delta": '{"city":"Pa',
    },
    {
        "type": "response.function_call_arguments.done",
        "event_id": "event_BqTsHb39",
        "response_id": RESPONSE_ID_2,
        "item_id": FUNCTION_ITEM_ID,
        "output_index": 1,
        "call_id": CALL_ID,
        "arguments": '{"city":"Paris"}',
    },
    {
        "type": "response.done",
        "event_id": "event_BqTsHb40",
        "response": _beta_response(
            id=RESPONSE_ID_2,
            status="completed",
            conversation_id=None,
            modalities=["text"],
            max_output_tokens=256,
            metadata={"purpose": "greeting"},
            output=[
                {
                    "id": "item_CRqU1pR2sT3uV4wX5yZ6a",
                    "object": "realtime.item",
                    "type": "message",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "text",
                                 "text": "Bonjour ! Comment puis-je vous aider ?"}],
                },
                BETA_FUNCTION_CALL_ITEM,
            ],
            usage={
                "total_tokens": 250,
                "input_tokens": 231,
                "output_tokens": 19,
                "input_token_details": {"cached_tokens": 0, "text_tokens": 231,
                                        "audio_tokens": 0},
                "output_token_details": {"text_tokens": 19, "audio_tokens": 0},
            },
        ),
    },
]
"""Beta server events: every type of the beta SDK union, several where the shape varies."""
