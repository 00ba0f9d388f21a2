"""realtime_nb: build, send, watch and hear the OpenAI Realtime API from Jupyter.

The public surface, bottom to top:

* **Builders**, one per client event (:func:`session_update`, :func:`append_audio`,
  :func:`create_item`, :func:`create_response`, ...) and item helpers
  (:func:`user_text`, :func:`function_output`, ...). Each returns an immutable
  event with ``to_dict(dialect)`` / ``to_json(dialect)`` for GA or beta.
* **Parsers**: :func:`parse_server_event` (lenient, never loses an unknown
  event) and :func:`parse_client_event` (strict, as a server checks).
* **Models** of sessions, items and responses; the full set of event classes
  lives in :mod:`realtime_nb.wire`.
* **The sender**: :func:`connect` opens a :class:`RealtimeSession` to OpenAI,
  Azure OpenAI, any URL or the embedded mock; ``await session.say("Hi")``
  returns a :class:`Reply`. :func:`run` and ``session.sync`` are the plain-call
  forms for cells and widget callbacks.
* **Errors**, all under :class:`RealtimeError`.

>>> import realtime_nb as rt
>>> event = rt.create_response(output_modalities=["text"]).with_event_id("evt_1")
>>> event.to_json("beta")
'{"type":"response.create","event_id":"evt_1","response":{"modalities":["text"]}}'
"""

from typing import TYPE_CHECKING, Any

from .audio import Audio, load_audio
from .builders import (
    append_audio,
    assistant_text,
    cancel_response,
    clear_audio,
    clear_output_audio,
    commit_audio,
    create_item,
    create_item_after,
    create_response,
    delete_item,
    function_output,
    retrieve_item,
    session_update,
    system_text,
    truncate_item,
    user_audio,
    user_text,
)
from .client_protocol import ClientProtocol
from .codec import UnknownServerEvent, parse_client_event, parse_server_event
from .connection import (
    Connecting,
    ConnectionEvent,
    RealtimeSession,
    ReconnectPolicy,
    SendHandle,
    SentAudio,
    SyncSession,
    connect,
    run,
)
from .endpoints import Target, resolve_target
from .errors import (
    BudgetExceeded,
    ConnectError,
    ConnectionClosed,
    DecodeError,
    DuplicateToolOutput,
    EventTimeout,
    EventValidationError,
    NothingToCancel,
    RealtimeError,
    RealtimeWarning,
    ResponseActive,
    SendQueueFull,
    ServerError,
    SessionDiffWarning,
)
from .handlers import HandlerError
from .redaction import Secret
from .reply import FunctionCallRequest, Reply
from .state import (
    PRICES,
    Conversation,
    DiffEntry,
    EventLog,
    Interruption,
    ItemPlayback,
    LogEntry,
    Playback,
    Prices,
    SessionUpdates,
    ToolCall,
    ToolRegistry,
    UsageRow,
    UsageTable,
)
from .tape import Tape, TapeEntry
from .wire import (
    UNSET,
    AudioConfig,
    AudioInput,
    AudioOutput,
    AudioPCM,
    AudioPCMA,
    AudioPCMU,
    ClientEvent,
    Dialect,
    FunctionCall,
    FunctionCallOutput,
    FunctionTool,
    InputAudio,
    InputText,
    Message,
    OutputAudio,
    OutputText,
    Response,
    ResponseParams,
    SemanticVad,
    ServerEvent,
    ServerVad,
    Session,
    TranscriptionSession,
    Usage,
)

__version__ = "0.1.0"

__all__ = [
    # builders
    "session_update",
    "append_audio",
    "clear_audio",
    "commit_audio",
    "clear_output_audio",
    "create_item",
    "create_item_after",
    "delete_item",
    "retrieve_item",
    "truncate_item",
    "create_response",
    "cancel_response",
    "user_text",
    "assistant_text",
    "system_text",
    "user_audio",
    "function_output",
    # audio
    "Audio",
    "load_audio",
    "SentAudio",
    "Playback",
    "ItemPlayback",
    "Interruption",
    # parsing
    "parse_server_event",
    "parse_client_event",
    "UnknownServerEvent",
    # models
    "UNSET",
    "Dialect",
    "ClientEvent",
    "ServerEvent",
    "Session",
    "TranscriptionSession",
    "AudioConfig",
    "AudioInput",
    "AudioOutput",
    "AudioPCM",
    "AudioPCMU",
    "AudioPCMA",
    "ServerVad",
    "SemanticVad",
    "FunctionTool",
    "Message",
    "InputText",
    "InputAudio",
    "OutputText",
    "OutputAudio",
    "FunctionCall",
    "FunctionCallOutput",
    "ResponseParams",
    "Response",
    "Usage",
    # sender
    "connect",
    "Connecting",
    "RealtimeSession",
    "SendHandle",
    "ReconnectPolicy",
    "ConnectionEvent",
    "SyncSession",
    "run",
    "Reply",
    "FunctionCallRequest",
    "HandlerError",
    "Tape",
    "Conversation",
    "EventLog",
    "LogEntry",
    "ToolRegistry",
    "ToolCall",
    "UsageTable",
    "UsageRow",
    "Prices",
    "PRICES",
    "SessionUpdates",
    "DiffEntry",
    "TapeEntry",
    "ClientProtocol",
    "Target",
    "resolve_target",
    "Secret",
    # errors
    "RealtimeError",
    "EventValidationError",
    "DecodeError",
    "ConnectError",
    "ConnectionClosed",
    "ServerError",
    "EventTimeout",
    "SendQueueFull",
    "ResponseActive",
    "RealtimeWarning",
    "NothingToCancel",
    "BudgetExceeded",
    "SessionDiffWarning",
    "DuplicateToolOutput",
    # widgets
    "ControlPanel",
]

if TYPE_CHECKING:
    from .widgets import ControlPanel


def __getattr__(name: str) -> Any:
    # The panel is imported on first use: ipywidgets brings IPython, about 0.4 s, which
    # scripts and the mock server do not need.
    if name == "ControlPanel":
        from .widgets import ControlPanel

        return ControlPanel
    raise AttributeError(f"module 'realtime_nb' has no attribute {name!r}")
