"""Session configuration: what ``session.update`` sends and ``session.updated`` returns.

The shape is GA's: audio settings nest under ``audio.input`` / ``audio.output``.
:mod:`realtime_nb.wire.dialect` flattens them for the beta dialect. Fields
that only beta knows (``temperature``, ``client_secret``) are here too, so a
beta session read from an old log loses nothing; sending them in GA raises.

>>> from realtime_nb.wire import Session, AudioConfig, AudioOutput
>>> voice = AudioConfig(output=AudioOutput(voice="marin"))
>>> Session(instructions="Be brief.", audio=voice).to_dict()
{'type': 'realtime', 'instructions': 'Be brief.', 'audio': {'output': {'voice': 'marin'}}}
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Annotated, Any, Literal

from msgspec import UNSET, Meta, UnsetType

from .base import WireModel, open_literal

__all__ = [
    "Voice",
    "VoiceName",
    "VOICES",
    "BETA_VOICES",
    "Modality",
    "OutputModalities",
    "MaxOutputTokens",
    "AudioPCM",
    "AudioPCMU",
    "AudioPCMA",
    "AudioFormat",
    "CustomVoice",
    "ServerVad",
    "SemanticVad",
    "TurnDetection",
    "InputTranscription",
    "NoiseReduction",
    "AudioInput",
    "AudioOutput",
    "AudioConfig",
    "FunctionTool",
    "McpTool",
    "Tool",
    "ToolChoiceFunction",
    "ToolChoiceMcp",
    "ToolChoice",
    "TracingConfig",
    "Tracing",
    "TokenLimits",
    "RetentionRatio",
    "Truncation",
    "Prompt",
    "Reasoning",
    "ClientSecretExpiry",
    "ClientSecret",
    "Session",
    "TranscriptionAudioInput",
    "TranscriptionAudio",
    "TranscriptionSession",
    "AnySession",
]

VoiceName = Literal[
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"
]
"""The built-in voices (GA; beta knows the first eight)."""

VOICES: tuple[str, ...] = typing.get_args(VoiceName)
"""Every built-in voice name, in the SDK's order."""

if TYPE_CHECKING:
    Voice = VoiceName
else:
    Voice = open_literal(VoiceName)
    """A voice field: :data:`VoiceName` for type checkers, open when reading (see
    :func:`~realtime_nb.wire.base.open_literal`)."""

BETA_VOICES: tuple[str, ...] = VOICES[:8]
"""The voices the beta dialect knows (no ``marin`` or ``cedar``)."""

Modality = Literal["text", "audio"]
"""An output modality. GA takes exactly one: ``["audio"]`` (with transcript) or ``["text"]``."""

OutputModalities = Annotated[list[Modality], Meta(min_length=1, max_length=1)]
"""GA output modalities: exactly one of ``["audio"]`` and ``["text"]``.

Beta's ``["text", "audio"]`` (audio with its transcript) is GA's ``["audio"]``.
"""

MaxOutputTokens = Annotated[int, Meta(ge=1, le=4096)] | Literal["inf"]
"""An output-token cap: 1 to 4096, or ``"inf"`` for the model's maximum."""

_Ms = Annotated[int, Meta(ge=0)]
_Unit = Annotated[float, Meta(ge=0.0, le=1.0)]
_Speed = Annotated[float, Meta(ge=0.25, le=1.5)]
_Temperature = Annotated[float, Meta(ge=0.6, le=1.2)]
_Description = Annotated[str, Meta(max_length=1024)]
_Eagerness = Literal["low", "medium", "high", "auto"]


class AudioPCM(WireModel, frozen=True, kw_only=True, tag_field="type", tag="audio/pcm"):
    """16-bit little-endian mono PCM at 24 kHz (beta name: ``pcm16``)."""

    rate: Literal[24000] | UnsetType = 24000


class AudioPCMU(WireModel, frozen=True, kw_only=True, tag_field="type", tag="audio/pcmu"):
    """G.711 mu-law at 8 kHz (beta name: ``g711_ulaw``)."""


class AudioPCMA(WireModel, frozen=True, kw_only=True, tag_field="type", tag="audio/pcma"):
    """G.711 A-law at 8 kHz (beta name: ``g711_alaw``)."""


AudioFormat = AudioPCM | AudioPCMU | AudioPCMA
"""An audio format, told apart by ``type``."""


class CustomVoice(WireModel, frozen=True, kw_only=True):
    """A custom voice by id (``voice_...``); GA only."""

    id: Annotated[str, Meta(min_length=1)]


class ServerVad(WireModel, frozen=True, kw_only=True, tag_field="type", tag="server_vad"):
    """Turn detection by audio energy: a turn ends after ``silence_duration_ms`` of quiet.

    Defaults (server side): ``threshold`` 0.5, ``prefix_padding_ms`` 300,
    ``silence_duration_ms`` 500 (200 observed), ``create_response`` and
    ``interrupt_response`` true.
    """

    threshold: _Unit | UnsetType = UNSET
    prefix_padding_ms: _Ms | UnsetType = UNSET
    silence_duration_ms: _Ms | UnsetType = UNSET
    idle_timeout_ms: _Ms | None | UnsetType = UNSET
    create_response: bool | UnsetType = UNSET
    interrupt_response: bool | UnsetType = UNSET


class SemanticVad(WireModel, frozen=True, kw_only=True, tag_field="type", tag="semantic_vad"):
    """Turn detection by a model that judges whether the user has finished.

    ``eagerness`` ``low``/``medium``/``high`` wait at most 8/4/2 s; ``auto`` = medium.
    """

    eagerness: _Eagerness | UnsetType = UNSET
    create_response: bool | UnsetType = UNSET
    interrupt_response: bool | UnsetType = UNSET


TurnDetection = ServerVad | SemanticVad
"""Turn detection settings; ``None`` in a session means manual turns (commit yourself)."""


class InputTranscription(WireModel, frozen=True, kw_only=True):
    """Transcription of the user's audio by a side model (off unless set).

    The transcript is what that model heard, which may differ from what the
    realtime model understood.
    """

    model: str | UnsetType = UNSET
    language: str | UnsetType = UNSET
    prompt: str | UnsetType = UNSET
    languages: list[str] | UnsetType = UNSET
    keywords: list[str] | UnsetType = UNSET
    delay: Literal["minimal", "low", "medium", "high", "xhigh"] | UnsetType = UNSET


class NoiseReduction(WireModel, frozen=True, kw_only=True):
    """Input noise reduction: ``near_field`` (headsets) or ``far_field`` (laptops, rooms)."""

    type: Literal["near_field", "far_field"] | UnsetType = UNSET
    strength: float | UnsetType = UNSET


class AudioInput(WireModel, frozen=True, kw_only=True):
    """``session.audio.input``: what the client sends and how turns are detected."""

    format: AudioFormat | UnsetType = UNSET
    transcription: InputTranscription | None | UnsetType = UNSET
    noise_reduction: NoiseReduction | None | UnsetType = UNSET
    turn_detection: TurnDetection | None | UnsetType = UNSET


class AudioOutput(WireModel, frozen=True, kw_only=True):
    """``session.audio.output``: the assistant's audio.

    ``voice`` cannot change once the model has produced audio in the session.
    """

    format: AudioFormat | UnsetType = UNSET
    voice: Voice | CustomVoice | UnsetType = UNSET
    speed: _Speed | UnsetType = UNSET


class AudioConfig(WireModel, frozen=True, kw_only=True):
    """``session.audio``: input and output audio settings."""

    input: AudioInput | UnsetType = UNSET
    output: AudioOutput | UnsetType = UNSET


class FunctionTool(WireModel, frozen=True, kw_only=True, tag_field="type", tag="function"):
    """A function the model may call: a name, a description and a JSON Schema.

    ``name`` is required (and not empty, as in :class:`ToolChoiceFunction`)
    although the SDK's model makes every key optional: the service refuses a
    tool without one (``missing_required_parameter``, ``param``
    ``session.tools[0].name``) and applies nothing of that update, so a builder
    refuses it too, before it is sent.

    >>> FunctionTool(name="get_weather", parameters={"type": "object", "properties": {}}).to_dict()
    {'type': 'function', 'name': 'get_weather', 'parameters': {'type': 'object', 'properties': {}}}
    """

    name: Annotated[str, Meta(min_length=1)]
    description: _Description | UnsetType = UNSET
    parameters: dict[str, Any] | UnsetType = UNSET


class McpTool(WireModel, frozen=True, kw_only=True, tag_field="type", tag="mcp"):
    """A remote MCP server whose tools the model may call (GA only)."""

    server_label: str
    server_url: str | UnsetType = UNSET
    server_description: str | UnsetType = UNSET
    connector_id: str | UnsetType = UNSET
    tunnel_id: str | UnsetType = UNSET
    authorization: str | UnsetType = UNSET
    headers: dict[str, str] | None | UnsetType = UNSET
    allowed_tools: list[str] | dict[str, Any] | None | UnsetType = UNSET
    allowed_callers: list[Literal["direct", "programmatic"]] | UnsetType = UNSET
    require_approval: Literal["always", "never"] | dict[str, Any] | None | UnsetType = UNSET
    defer_loading: bool | UnsetType = UNSET


Tool = FunctionTool | McpTool
"""A tool, told apart by ``type``."""


class ToolChoiceFunction(WireModel, frozen=True, kw_only=True, tag_field="type", tag="function"):
    """Force a call to one named function (GA only; beta takes a plain string)."""

    name: Annotated[str, Meta(min_length=1)]


class ToolChoiceMcp(WireModel, frozen=True, kw_only=True, tag_field="type", tag="mcp"):
    """Force a call to an MCP server's tool (GA only)."""

    server_label: str
    name: str | None | UnsetType = UNSET


ToolChoice = Literal["none", "auto", "required"] | ToolChoiceFunction | ToolChoiceMcp
"""How the model picks tools: ``"auto"`` (default), ``"none"``, ``"required"`` or a named one."""


class TracingConfig(WireModel, frozen=True, kw_only=True):
    """Named tracing settings for the Traces dashboard."""

    workflow_name: str | UnsetType = UNSET
    group_id: str | UnsetType = UNSET
    metadata: Any | UnsetType = UNSET


Tracing = Literal["auto"] | TracingConfig
"""Tracing: ``"auto"`` or a :class:`TracingConfig`; ``None`` in a session disables it."""


class TokenLimits(WireModel, frozen=True, kw_only=True):
    """Token limits for retention-ratio truncation."""

    post_instructions: Annotated[int, Meta(ge=0)] | UnsetType = UNSET


class RetentionRatio(WireModel, frozen=True, kw_only=True, tag_field="type", tag="retention_ratio"):
    """Truncate the context to keep this fraction of it when it overflows (GA only)."""

    retention_ratio: _Unit
    token_limits: TokenLimits | UnsetType = UNSET


Truncation = Literal["auto", "disabled"] | RetentionRatio
"""What happens when the context overflows (GA only)."""


class Prompt(WireModel, frozen=True, kw_only=True):
    """A reusable prompt template by id (GA only)."""

    id: Annotated[str, Meta(min_length=1)]
    version: str | None | UnsetType = UNSET
    variables: dict[str, Any] | None | UnsetType = UNSET


class Reasoning(WireModel, frozen=True, kw_only=True):
    """Reasoning effort for reasoning models (GA only)."""

    effort: Literal["minimal", "low", "medium", "high", "xhigh"] | None | UnsetType = UNSET


class ClientSecretExpiry(WireModel, frozen=True, kw_only=True):
    """When an ephemeral key expires (beta only)."""

    anchor: Literal["created_at"]
    seconds: int | UnsetType = UNSET


class ClientSecret(WireModel, frozen=True, kw_only=True):
    """Ephemeral key settings sent in a beta ``session.update``."""

    expires_after: ClientSecretExpiry | UnsetType = UNSET


class Session(WireModel, frozen=True, kw_only=True, tag_field="type", tag="realtime"):
    """A realtime (speech-to-speech) session configuration.

    In ``session.update`` only the fields you set are changed. In
    ``session.created``/``session.updated`` the server sends the full effective
    configuration, plus ``id``, ``object`` and ``expires_at``.

    ``temperature`` and ``client_secret`` exist only in the beta dialect;
    ``truncation``, ``prompt``, ``include``, ``reasoning`` and
    ``parallel_tool_calls`` only in GA.
    """

    model: str | UnsetType = UNSET
    output_modalities: OutputModalities | UnsetType = UNSET
    instructions: str | UnsetType = UNSET
    audio: AudioConfig | UnsetType = UNSET
    include: list[Literal["item.input_audio_transcription.logprobs"]] | None | UnsetType = UNSET
    max_output_tokens: MaxOutputTokens | UnsetType = UNSET
    tools: list[Tool] | UnsetType = UNSET
    tool_choice: ToolChoice | UnsetType = UNSET
    parallel_tool_calls: bool | UnsetType = UNSET
    reasoning: Reasoning | None | UnsetType = UNSET
    prompt: Prompt | None | UnsetType = UNSET
    tracing: Tracing | None | UnsetType = UNSET
    truncation: Truncation | UnsetType = UNSET
    temperature: _Temperature | UnsetType = UNSET
    client_secret: ClientSecret | None | UnsetType = UNSET
    id: str | UnsetType = UNSET
    object: Literal["realtime.session"] | UnsetType = UNSET
    expires_at: int | UnsetType = UNSET


class TranscriptionAudioInput(WireModel, frozen=True, kw_only=True):
    """``audio.input`` of a transcription session."""

    format: AudioFormat | UnsetType = UNSET
    transcription: InputTranscription | None | UnsetType = UNSET
    noise_reduction: NoiseReduction | None | UnsetType = UNSET
    turn_detection: TurnDetection | None | UnsetType = UNSET


class TranscriptionAudio(WireModel, frozen=True, kw_only=True):
    """``audio`` of a transcription session (input only)."""

    input: TranscriptionAudioInput | UnsetType = UNSET


class TranscriptionSession(WireModel, frozen=True, kw_only=True, tag_field="type",
                           tag="transcription"):
    """A transcription-only session: the model transcribes and never answers.

    Sent as ``session.update`` in GA and as ``transcription_session.update`` in beta.
    ``modalities`` and ``client_secret`` exist only in beta.
    """

    audio: TranscriptionAudio | UnsetType = UNSET
    include: list[Literal["item.input_audio_transcription.logprobs"]] | None | UnsetType = UNSET
    modalities: list[Modality] | UnsetType = UNSET
    client_secret: dict[str, Any] | None | UnsetType = UNSET
    id: str | UnsetType = UNSET
    object: str | UnsetType = UNSET
    expires_at: int | UnsetType = UNSET


AnySession = Session | TranscriptionSession
"""Either session kind, told apart by ``type`` (``"realtime"`` or ``"transcription"``)."""
