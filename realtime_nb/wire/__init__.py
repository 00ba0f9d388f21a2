"""The wire models: every Realtime event and shared object as a typed, immutable value.

One class per client event, per server event and per shared object (session,
item, content part, response, usage...). Values hold the GA shape; ``to_dict``
and ``to_json`` on events write either dialect. Walk a model's fields with
:func:`msgspec.structs.fields` or :func:`msgspec.inspect.type_info` (names,
types, ``Literal`` choices, defaults): that is what form generators use.
"""

from .base import DIALECTS, UNSET, ClientEvent, Dialect, Event, ServerEvent, UnsetType, WireModel
from .client_events import *  # noqa: F403
from .client_events import __all__ as _client_all
from .items import *  # noqa: F403
from .items import __all__ as _items_all
from .response import *  # noqa: F403
from .response import __all__ as _response_all
from .server_events import *  # noqa: F403
from .server_events import __all__ as _server_all
from .session import *  # noqa: F403
from .session import __all__ as _session_all

__all__ = [
    "UNSET",
    "UnsetType",
    "Dialect",
    "DIALECTS",
    "WireModel",
    "Event",
    "ClientEvent",
    "ServerEvent",
    *_session_all,
    *_items_all,
    *_response_all,
    *_client_all,
    *_server_all,
]

from .base import cache_event_types as _cache_event_types

_cache_event_types()
