"""Responses: the parameters of ``response.create`` and the response the server reports.

``ResponseParams`` overrides the session for one response only.
``conversation="none"`` makes an out-of-band response that writes nothing to the
conversation; ``input`` gives it its own context.

>>> from realtime_nb.wire import ResponseParams
>>> ResponseParams(output_modalities=["text"], metadata={"topic": "demo"}).to_dict()
{'output_modalities': ['text'], 'metadata': {'topic': 'demo'}}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from .base import WireModel, open_literal
from .items import InputItem, Item
from .session import (
    AudioFormat,
    CustomVoice,
    MaxOutputTokens,
    OutputModalities,
    Prompt,
    Reasoning,
    Tool,
    ToolChoice,
    Voice,
)

__all__ = [
    "Metadata",
    "ResponseStatus",
    "StatusType",
    "StatusReason",
    "ResponseAudioOutput",
    "ResponseAudio",
    "ResponseParams",
    "StatusError",
    "StatusDetails",
    "CachedTokenDetails",
    "InputTokenDetails",
    "OutputTokenDetails",
    "Usage",
    "Response",
]

Metadata = Annotated[
    dict[Annotated[str, Meta(max_length=64)], Annotated[str, Meta(max_length=512)]],
    Meta(max_length=16),
]
"""Up to 16 string pairs (keys up to 64 characters, values up to 512), echoed in the response."""

_ResponseStatus = Literal["completed", "cancelled", "failed", "incomplete", "in_progress"]
_StatusType = Literal["completed", "cancelled", "incomplete", "failed"]
_StatusReason = Literal["turn_detected", "client_cancelled", "max_output_tokens", "content_filter"]

if TYPE_CHECKING:
    ResponseStatus = _ResponseStatus
    StatusType = _StatusType
    StatusReason = _StatusReason
else:
    # Open when reading: see open_literal.
    ResponseStatus = open_literal(_ResponseStatus)
    """A response's status."""
    StatusType = open_literal(_StatusType)
    """How a response ended, in ``status_details``."""
    StatusReason = open_literal(_StatusReason)
    """Why a response was cancelled or left incomplete."""


class ResponseAudioOutput(WireModel, frozen=True, kw_only=True):
    """Audio output settings for one response."""

    format: AudioFormat | UnsetType = UNSET
    voice: Voice | CustomVoice | UnsetType = UNSET


class ResponseAudio(WireModel, frozen=True, kw_only=True):
    """``response.audio``: holds the output settings."""

    output: ResponseAudioOutput | UnsetType = UNSET


class ResponseParams(WireModel, frozen=True, kw_only=True):
    """What ``response.create`` may override for one response.

    ``temperature`` exists only in beta; ``prompt``, ``reasoning`` and
    ``parallel_tool_calls`` only in GA.
    """

    output_modalities: OutputModalities | UnsetType = UNSET
    instructions: str | UnsetType = UNSET
    audio: ResponseAudio | UnsetType = UNSET
    max_output_tokens: MaxOutputTokens | UnsetType = UNSET
    tools: list[Tool] | UnsetType = UNSET
    tool_choice: ToolChoice | UnsetType = UNSET
    conversation: str | UnsetType = UNSET
    input: list[InputItem] | UnsetType = UNSET
    metadata: Metadata | None | UnsetType = UNSET
    parallel_tool_calls: bool | UnsetType = UNSET
    prompt: Prompt | None | UnsetType = UNSET
    reasoning: Reasoning | None | UnsetType = UNSET
    temperature: Annotated[float, Meta(ge=0.6, le=1.2)] | UnsetType = UNSET


class StatusError(WireModel, frozen=True, kw_only=True):
    """The error behind a ``failed`` response."""

    type: str | UnsetType = UNSET
    code: str | None | UnsetType = UNSET
    message: str | None | UnsetType = UNSET


class StatusDetails(WireModel, frozen=True, kw_only=True):
    """Why a response ended as it did.

    ``cancelled`` -> ``turn_detected`` (the user spoke) or ``client_cancelled``;
    ``incomplete`` -> ``max_output_tokens`` or ``content_filter``.
    """

    type: StatusType | UnsetType = UNSET
    reason: StatusReason | None | UnsetType = UNSET
    error: StatusError | None | UnsetType = UNSET


class CachedTokenDetails(WireModel, frozen=True, kw_only=True):
    """How the cached input tokens split by modality (GA only)."""

    text_tokens: int | UnsetType = UNSET
    audio_tokens: int | UnsetType = UNSET
    image_tokens: int | UnsetType = UNSET


class InputTokenDetails(WireModel, frozen=True, kw_only=True):
    """Input tokens by modality. ``cached_tokens`` is a part of ``input_tokens``, not extra."""

    text_tokens: int | UnsetType = UNSET
    audio_tokens: int | UnsetType = UNSET
    image_tokens: int | UnsetType = UNSET
    cached_tokens: int | UnsetType = UNSET
    cached_tokens_details: CachedTokenDetails | UnsetType = UNSET


class OutputTokenDetails(WireModel, frozen=True, kw_only=True):
    """Output tokens by modality."""

    text_tokens: int | UnsetType = UNSET
    audio_tokens: int | UnsetType = UNSET


class Usage(WireModel, frozen=True, kw_only=True):
    """Token counts of one response (``None`` until ``response.done``)."""

    total_tokens: int | UnsetType = UNSET
    input_tokens: int | UnsetType = UNSET
    output_tokens: int | UnsetType = UNSET
    input_token_details: InputTokenDetails | UnsetType = UNSET
    output_token_details: OutputTokenDetails | UnsetType = UNSET


class Response(WireModel, frozen=True, kw_only=True):
    """A response as the server reports it in ``response.created`` and ``response.done``.

    ``output`` lists the items it produced, without audio bytes.
    ``conversation_id`` is ``None`` for an out-of-band response.
    """

    id: str | UnsetType = UNSET
    object: Literal["realtime.response"] | UnsetType = UNSET
    status: ResponseStatus | UnsetType = UNSET
    status_details: StatusDetails | None | UnsetType = UNSET
    output: list[Item] | UnsetType = UNSET
    conversation_id: str | None | UnsetType = UNSET
    output_modalities: OutputModalities | UnsetType = UNSET
    audio: ResponseAudio | UnsetType = UNSET
    max_output_tokens: MaxOutputTokens | UnsetType = UNSET
    metadata: dict[str, str] | None | UnsetType = UNSET
    usage: Usage | None | UnsetType = UNSET
    temperature: float | UnsetType = UNSET
