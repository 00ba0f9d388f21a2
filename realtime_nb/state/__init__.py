"""Protocol state without I/O, kept current by a session that feeds it events.

See :mod:`realtime_nb.state.observer` for how a session feeds each object.
"""

from .conversation import Conversation
from .event_log import EventLog, LogEntry
from .items import Item
from .observer import Observer
from .playback import Interruption, ItemPlayback, Playback
from .responses import ResponseState
from .session_diff import DiffEntry, SessionUpdates, UpdateRecord
from .tools import PythonTool, ToolCall, ToolRegistry
from .usage import PRICES, Prices, UsageRow, UsageTable, UsageTotal

__all__ = ["Observer", "Conversation", "Item", "ResponseState", "ToolRegistry", "ToolCall",
           "PythonTool", "UsageTable", "UsageRow", "UsageTotal", "Prices", "PRICES",
           "SessionUpdates", "UpdateRecord", "DiffEntry", "Playback", "ItemPlayback",
           "Interruption", "EventLog", "LogEntry"]
