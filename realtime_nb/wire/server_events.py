"""The server events: one class per ``type`` the server may send, GA and beta.

Classes are named after the GA ``type``. A beta event with another name
(``response.text.delta``, ``response.audio.delta``, ...) parses into the class of
its GA twin; :data:`realtime_nb.wire.dialect.SERVER_TYPES_TO_BETA` holds the
renames. Events that share fields share a base class, so each field is
declared once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from msgspec import UNSET, UnsetType

from .base import ServerEvent, WireModel, open_literal
from .items import Item
from .response import Response
from .session import AnySession

__all__ = [
    "ErrorInfo",
    "Conversation",
    "LogProb",
    "TranscriptLanguage",
    "TokenUsage",
    "TokenUsageInputDetails",
    "DurationUsage",
    "TranscriptionError",
    "RateLimit",
    "ContentPartInfo",
    "TranscriptionSessionInfo",
    "ErrorEvent",
    "SessionCreated",
    "SessionUpdated",
    "TranscriptionSessionUpdated",
    "ConversationCreated",
    "ConversationItemCreated",
    "ConversationItemAdded",
    "ConversationItemDone",
    "ConversationItemRetrieved",
    "ConversationItemTruncated",
    "ConversationItemDeleted",
    "InputAudioTranscriptionDelta",
    "InputAudioTranscriptionCompleted",
    "InputAudioTranscriptionSegment",
    "InputAudioTranscriptionFailed",
    "InputAudioBufferCommitted",
    "InputAudioBufferCleared",
    "InputAudioBufferSpeechStarted",
    "InputAudioBufferSpeechStopped",
    "InputAudioBufferTimeoutTriggered",
    "InputAudioBufferDtmfEventReceived",
    "OutputAudioBufferStarted",
    "OutputAudioBufferStopped",
    "OutputAudioBufferCleared",
    "RateLimitsUpdated",
    "ResponseCreated",
    "ResponseDone",
    "ResponseOutputItemAdded",
    "ResponseOutputItemDone",
    "ResponseContentPartAdded",
    "ResponseContentPartDone",
    "ResponseOutputTextDelta",
    "ResponseOutputTextDone",
    "ResponseOutputAudioDelta",
    "ResponseOutputAudioDone",
    "ResponseOutputAudioTranscriptDelta",
    "ResponseOutputAudioTranscriptDone",
    "ResponseFunctionCallArgumentsDelta",
    "ResponseFunctionCallArgumentsDone",
    "ResponseMcpCallArgumentsDelta",
    "ResponseMcpCallArgumentsDone",
    "ResponseMcpCallInProgress",
    "ResponseMcpCallCompleted",
    "ResponseMcpCallFailed",
    "McpListToolsInProgress",
    "McpListToolsCompleted",
    "McpListToolsFailed",
    "AnyServerEvent",
    "SERVER_EVENT_TYPES",
]


# -- objects carried by server events ---------------------------------------------------

if TYPE_CHECKING:
    RateLimitName = Literal["requests", "tokens"]
    PartKind = Literal["text", "audio"]
else:
    # Open when reading: see open_literal.
    RateLimitName = open_literal(Literal["requests", "tokens"])
    PartKind = open_literal(Literal["text", "audio"])


class ErrorInfo(WireModel, frozen=True, kw_only=True):
    """The body of an ``error`` event.

    ``event_id`` names the client event that failed (``None`` when the client
    sent no id or the error has no client cause). ``param`` is the path of the
    offending field, e.g. ``"session.tools[2].meta"``.
    """

    type: str
    message: str
    code: str | None | UnsetType = UNSET
    param: str | None | UnsetType = UNSET
    event_id: str | None | UnsetType = UNSET


class Conversation(WireModel, frozen=True, kw_only=True):
    """The conversation created with the session."""

    id: str | UnsetType = UNSET
    object: Literal["realtime.conversation"] | UnsetType = UNSET


class LogProb(WireModel, frozen=True, kw_only=True):
    """The log probability of one transcript token."""

    token: str
    logprob: float
    bytes: list[int]


class TranscriptLanguage(WireModel, frozen=True, kw_only=True):
    """A language detected in the input audio."""

    code: str


class TokenUsageInputDetails(WireModel, frozen=True, kw_only=True):
    """Input tokens of a transcription by modality."""

    audio_tokens: int | UnsetType = UNSET
    text_tokens: int | UnsetType = UNSET


class TokenUsage(WireModel, frozen=True, kw_only=True, tag_field="type", tag="tokens"):
    """Transcription usage billed by tokens."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: TokenUsageInputDetails | UnsetType = UNSET


class DurationUsage(WireModel, frozen=True, kw_only=True, tag_field="type", tag="duration"):
    """Transcription usage billed by seconds of audio."""

    seconds: float


class TranscriptionError(WireModel, frozen=True, kw_only=True):
    """Why an input transcription failed."""

    type: str | UnsetType = UNSET
    code: str | None | UnsetType = UNSET
    message: str | None | UnsetType = UNSET
    param: str | None | UnsetType = UNSET


class RateLimit(WireModel, frozen=True, kw_only=True):
    """One rate limit and what is left of it."""

    name: RateLimitName | UnsetType = UNSET
    limit: int | UnsetType = UNSET
    remaining: int | UnsetType = UNSET
    reset_seconds: float | UnsetType = UNSET


class ContentPartInfo(WireModel, frozen=True, kw_only=True):
    """A content part in ``response.content_part.*``: ``text`` or ``audio`` in both dialects."""

    type: PartKind | UnsetType = UNSET
    text: str | UnsetType = UNSET
    audio: str | UnsetType = UNSET
    transcript: str | UnsetType = UNSET


class TranscriptionSessionInfo(WireModel, frozen=True, kw_only=True):
    """The beta transcription session reported by ``transcription_session.updated``."""

    client_secret: dict[str, Any] | None | UnsetType = UNSET
    input_audio_format: str | UnsetType = UNSET
    input_audio_transcription: dict[str, Any] | None | UnsetType = UNSET
    input_audio_noise_reduction: dict[str, Any] | None | UnsetType = UNSET
    modalities: list[str] | UnsetType = UNSET
    turn_detection: dict[str, Any] | None | UnsetType = UNSET
    include: list[str] | None | UnsetType = UNSET


# -- shared field sets --------------------------------------------------------------------


class _ItemEvent(ServerEvent, frozen=True, kw_only=True):
    item: Item
    previous_item_id: str | None | UnsetType = UNSET


class _ItemIdEvent(ServerEvent, frozen=True, kw_only=True):
    item_id: str


class _TranscriptionEvent(_ItemIdEvent, frozen=True, kw_only=True):
    content_index: int


class _ResponseIdEvent(ServerEvent, frozen=True, kw_only=True):
    response_id: str


class _OutputItemEvent(_ResponseIdEvent, frozen=True, kw_only=True):
    output_index: int
    item: Item


class _OutputEvent(_ResponseIdEvent, frozen=True, kw_only=True):
    item_id: str
    output_index: int


class _ContentEvent(_OutputEvent, frozen=True, kw_only=True):
    content_index: int


class _ContentPartEvent(_ContentEvent, frozen=True, kw_only=True):
    part: ContentPartInfo


class _DeltaEvent(_ContentEvent, frozen=True, kw_only=True):
    delta: str


class _PaddedDeltaEvent(_DeltaEvent, frozen=True, kw_only=True):
    # GA pads text deltas with a random string so a frame's length does not give the
    # words away (observed on the wire, not in the SDK models); kept so nothing is lost.
    obfuscation: str | UnsetType = UNSET


class _McpItemEvent(ServerEvent, frozen=True, kw_only=True):
    item_id: str
    output_index: int


# -- session and conversation ------------------------------------------------------------


class ErrorEvent(ServerEvent, frozen=True, kw_only=True, tag="error"):
    """Something failed; most errors leave the session open and usable."""

    error: ErrorInfo


class SessionCreated(ServerEvent, frozen=True, kw_only=True, tag="session.created"):
    """The first server event: the session with its defaults."""

    session: AnySession


class SessionUpdated(ServerEvent, frozen=True, kw_only=True, tag="session.updated"):
    """The full effective session after a ``session.update``."""

    session: AnySession


class TranscriptionSessionUpdated(ServerEvent, frozen=True, kw_only=True,
                                  tag="transcription_session.updated"):
    """Beta only: the transcription session after ``transcription_session.update``."""

    session: TranscriptionSessionInfo


class ConversationCreated(ServerEvent, frozen=True, kw_only=True, tag="conversation.created"):
    """The default conversation exists (sent right after ``session.created``, if at all)."""

    conversation: Conversation


class ConversationItemCreated(_ItemEvent, frozen=True, kw_only=True,
                              tag="conversation.item.created"):
    """An item was added (beta; GA sends ``conversation.item.added`` and ``.done``)."""


class ConversationItemAdded(_ItemEvent, frozen=True, kw_only=True, tag="conversation.item.added"):
    """GA: an item was added (model output starts empty and ``in_progress``)."""


class ConversationItemDone(_ItemEvent, frozen=True, kw_only=True, tag="conversation.item.done"):
    """GA: an item is final."""


class ConversationItemRetrieved(ServerEvent, frozen=True, kw_only=True,
                                tag="conversation.item.retrieved"):
    """The server's copy of an item, audio bytes included."""

    item: Item


class ConversationItemTruncated(_TranscriptionEvent, frozen=True, kw_only=True,
                                tag="conversation.item.truncated"):
    """An assistant audio item was cut at ``audio_end_ms`` and its transcript dropped."""

    audio_end_ms: int


class ConversationItemDeleted(_ItemIdEvent, frozen=True, kw_only=True,
                              tag="conversation.item.deleted"):
    """An item was removed."""


# -- input transcription ------------------------------------------------------------------


class InputAudioTranscriptionDelta(_ItemIdEvent, frozen=True, kw_only=True,
                                   tag="conversation.item.input_audio_transcription.delta"):
    """A piece of the user audio's transcript; GA pads it with ``obfuscation`` (a random
    string, observed on the wire, not in the SDK model)."""

    content_index: int | UnsetType = UNSET
    delta: str | UnsetType = UNSET
    logprobs: list[LogProb] | None | UnsetType = UNSET
    obfuscation: str | UnsetType = UNSET


class InputAudioTranscriptionCompleted(
    _TranscriptionEvent, frozen=True, kw_only=True,
    tag="conversation.item.input_audio_transcription.completed",
):
    """The user audio's full transcript (may arrive after the response)."""

    transcript: str
    usage: TokenUsage | DurationUsage
    logprobs: list[LogProb] | None | UnsetType = UNSET
    languages: list[TranscriptLanguage] | None | UnsetType = UNSET


class InputAudioTranscriptionSegment(
    _TranscriptionEvent, frozen=True, kw_only=True,
    tag="conversation.item.input_audio_transcription.segment",
):
    """GA: a diarized transcript segment with its speaker and time span."""

    id: str
    text: str
    speaker: str
    start: float
    end: float


class InputAudioTranscriptionFailed(
    _TranscriptionEvent, frozen=True, kw_only=True,
    tag="conversation.item.input_audio_transcription.failed",
):
    """The user audio could not be transcribed (not an ``error`` event)."""

    error: TranscriptionError


# -- audio buffers ------------------------------------------------------------------------


class InputAudioBufferCommitted(_ItemIdEvent, frozen=True, kw_only=True,
                                tag="input_audio_buffer.committed"):
    """The input buffer became the user item ``item_id``."""

    previous_item_id: str | None | UnsetType = UNSET


class InputAudioBufferCleared(ServerEvent, frozen=True, kw_only=True,
                              tag="input_audio_buffer.cleared"):
    """The input buffer was emptied."""


class InputAudioBufferSpeechStarted(_ItemIdEvent, frozen=True, kw_only=True,
                                    tag="input_audio_buffer.speech_started"):
    """Server VAD heard speech start (``audio_start_ms`` includes the prefix padding)."""

    audio_start_ms: int


class InputAudioBufferSpeechStopped(_ItemIdEvent, frozen=True, kw_only=True,
                                    tag="input_audio_buffer.speech_stopped"):
    """Server VAD heard speech stop."""

    audio_end_ms: int


class InputAudioBufferTimeoutTriggered(_ItemIdEvent, frozen=True, kw_only=True,
                                       tag="input_audio_buffer.timeout_triggered"):
    """GA: the user stayed silent for ``idle_timeout_ms``; a response follows."""

    audio_start_ms: int
    audio_end_ms: int


class InputAudioBufferDtmfEventReceived(ServerEvent, frozen=True, kw_only=True,
                                        tag="input_audio_buffer.dtmf_event_received"):
    """GA, SIP only: a keypad tone was received."""

    event: str
    received_at: int


class OutputAudioBufferStarted(_ResponseIdEvent, frozen=True, kw_only=True,
                               tag="output_audio_buffer.started"):
    """WebRTC/SIP: the server began playing a response's audio."""


class OutputAudioBufferStopped(_ResponseIdEvent, frozen=True, kw_only=True,
                               tag="output_audio_buffer.stopped"):
    """WebRTC/SIP: the output audio buffer drained."""


class OutputAudioBufferCleared(_ResponseIdEvent, frozen=True, kw_only=True,
                               tag="output_audio_buffer.cleared"):
    """WebRTC/SIP: the output audio buffer was cleared."""


class RateLimitsUpdated(ServerEvent, frozen=True, kw_only=True, tag="rate_limits.updated"):
    """The current rate limits, sent with each response."""

    rate_limits: list[RateLimit]


# -- responses ------------------------------------------------------------------------------


class ResponseCreated(ServerEvent, frozen=True, kw_only=True, tag="response.created"):
    """A response started (``status`` ``in_progress``, no output yet)."""

    response: Response


class ResponseDone(ServerEvent, frozen=True, kw_only=True, tag="response.done"):
    """A response ended, whatever its status; ``usage`` is filled here."""

    response: Response


class ResponseOutputItemAdded(_OutputItemEvent, frozen=True, kw_only=True,
                              tag="response.output_item.added"):
    """The response started an output item."""


class ResponseOutputItemDone(_OutputItemEvent, frozen=True, kw_only=True,
                             tag="response.output_item.done"):
    """An output item is finished (also when the response was cancelled)."""


class ResponseContentPartAdded(_ContentPartEvent, frozen=True, kw_only=True,
                               tag="response.content_part.added"):
    """A content part of an output item started."""


class ResponseContentPartDone(_ContentPartEvent, frozen=True, kw_only=True,
                              tag="response.content_part.done"):
    """A content part of an output item is finished."""


class ResponseOutputTextDelta(_PaddedDeltaEvent, frozen=True, kw_only=True,
                              tag="response.output_text.delta"):
    """A piece of text output (beta: ``response.text.delta``); GA pads it with ``obfuscation``."""


class ResponseOutputTextDone(_ContentEvent, frozen=True, kw_only=True,
                             tag="response.output_text.done"):
    """The full text output (beta: ``response.text.done``)."""

    text: str


class ResponseOutputAudioDelta(_DeltaEvent, frozen=True, kw_only=True,
                               tag="response.output_audio.delta"):
    """A chunk of base64 audio output (beta: ``response.audio.delta``)."""


class ResponseOutputAudioDone(_ContentEvent, frozen=True, kw_only=True,
                              tag="response.output_audio.done"):
    """The audio output is complete (beta: ``response.audio.done``)."""


class ResponseOutputAudioTranscriptDelta(_PaddedDeltaEvent, frozen=True, kw_only=True,
                                         tag="response.output_audio_transcript.delta"):
    """A piece of the audio's transcript (beta: ``response.audio_transcript.delta``); GA pads
    it with ``obfuscation``."""


class ResponseOutputAudioTranscriptDone(_ContentEvent, frozen=True, kw_only=True,
                                        tag="response.output_audio_transcript.done"):
    """The audio's full transcript (beta: ``response.audio_transcript.done``)."""

    transcript: str


class ResponseFunctionCallArgumentsDelta(_OutputEvent, frozen=True, kw_only=True,
                                         tag="response.function_call_arguments.delta"):
    """A piece of a function call's JSON arguments."""

    call_id: str
    delta: str


class ResponseFunctionCallArgumentsDone(_OutputEvent, frozen=True, kw_only=True,
                                        tag="response.function_call_arguments.done"):
    """A function call's full arguments (``name`` is GA only)."""

    call_id: str
    arguments: str
    name: str | UnsetType = UNSET


class ResponseMcpCallArgumentsDelta(_OutputEvent, frozen=True, kw_only=True,
                                    tag="response.mcp_call_arguments.delta"):
    """GA: a piece of an MCP call's arguments."""

    delta: str
    obfuscation: str | None | UnsetType = UNSET


class ResponseMcpCallArgumentsDone(_OutputEvent, frozen=True, kw_only=True,
                                   tag="response.mcp_call_arguments.done"):
    """GA: an MCP call's full arguments."""

    arguments: str


class ResponseMcpCallInProgress(_McpItemEvent, frozen=True, kw_only=True,
                                tag="response.mcp_call.in_progress"):
    """GA: an MCP call started."""


class ResponseMcpCallCompleted(_McpItemEvent, frozen=True, kw_only=True,
                               tag="response.mcp_call.completed"):
    """GA: an MCP call succeeded."""


class ResponseMcpCallFailed(_McpItemEvent, frozen=True, kw_only=True,
                            tag="response.mcp_call.failed"):
    """GA: an MCP call failed."""


class McpListToolsInProgress(_ItemIdEvent, frozen=True, kw_only=True,
                             tag="mcp_list_tools.in_progress"):
    """GA: listing an MCP server's tools started."""


class McpListToolsCompleted(_ItemIdEvent, frozen=True, kw_only=True,
                            tag="mcp_list_tools.completed"):
    """GA: an MCP server's tools were listed."""


class McpListToolsFailed(_ItemIdEvent, frozen=True, kw_only=True, tag="mcp_list_tools.failed"):
    """GA: listing an MCP server's tools failed."""


AnyServerEvent = (
    ErrorEvent
    | SessionCreated
    | SessionUpdated
    | TranscriptionSessionUpdated
    | ConversationCreated
    | ConversationItemCreated
    | ConversationItemAdded
    | ConversationItemDone
    | ConversationItemRetrieved
    | ConversationItemTruncated
    | ConversationItemDeleted
    | InputAudioTranscriptionDelta
    | InputAudioTranscriptionCompleted
    | InputAudioTranscriptionSegment
    | InputAudioTranscriptionFailed
    | InputAudioBufferCommitted
    | InputAudioBufferCleared
    | InputAudioBufferSpeechStarted
    | InputAudioBufferSpeechStopped
    | InputAudioBufferTimeoutTriggered
    | InputAudioBufferDtmfEventReceived
    | OutputAudioBufferStarted
    | OutputAudioBufferStopped
    | OutputAudioBufferCleared
    | RateLimitsUpdated
    | ResponseCreated
    | ResponseDone
    | ResponseOutputItemAdded
    | ResponseOutputItemDone
    | ResponseContentPartAdded
    | ResponseContentPartDone
    | ResponseOutputTextDelta
    | ResponseOutputTextDone
    | ResponseOutputAudioDelta
    | ResponseOutputAudioDone
    | ResponseOutputAudioTranscriptDelta
    | ResponseOutputAudioTranscriptDone
    | ResponseFunctionCallArgumentsDelta
    | ResponseFunctionCallArgumentsDone
    | ResponseMcpCallArgumentsDelta
    | ResponseMcpCallArgumentsDone
    | ResponseMcpCallInProgress
    | ResponseMcpCallCompleted
    | ResponseMcpCallFailed
    | McpListToolsInProgress
    | McpListToolsCompleted
    | McpListToolsFailed
)
"""Every known server event, told apart by ``type``."""

SERVER_EVENT_TYPES: dict[str, type[ServerEvent]] = {
    cls.__struct_config__.tag: cls
    for cls in AnyServerEvent.__args__
}
"""Server event classes by their GA ``type`` (beta-only ``transcription_session.updated`` too)."""
