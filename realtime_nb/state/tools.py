"""Python functions as function tools: their JSON Schema, their arguments, their records.

:func:`python_tool` turns a Python function into a :class:`PythonTool`: the
parameters of its signature become a msgspec Struct type (``msgspec.defstruct``),
and msgspec writes that type's JSON Schema, so every annotation msgspec knows
works (``str``, ``int``, ``float``, ``bool``, ``Literal``, ``Enum``,
``list[...]``, optional parameters, ``TypedDict``, dataclasses, Structs, and
``Annotated[..., msgspec.Meta(...)]`` constraints). The same type decodes the
model's arguments, so what the schema promises is what is checked, with
msgspec's precise errors (``Expected `int`, got `str` - at `$.days```).

:class:`ToolRegistry` is what ``session.tools`` is: the registered tools, their
settings (``timeout``, ``auto_continue``), a :class:`ToolCall` record per call,
and the protocol knowledge around them: which calls of a finished response are
Python tools' (:meth:`ToolRegistry.plan`), which ``call_id`` already has an
output (a second one is flagged), and whether the session the server reports
lists the tools. Running the functions and sending their outputs is I/O; that
is :mod:`realtime_nb.connection.tool_runner`.

>>> def get_weather(city: str, days: int = 1) -> dict:
...     '''Weather for a city.
...
...     Args:
...         city: the city's name.
...     '''
...     return {"city": city}
>>> tool = python_tool(get_weather)
>>> tool.parameters["properties"]["city"]
{'type': 'string', 'description': "the city's name."}
>>> tool.decode('{"city": "Paris"}')
{'city': 'Paris', 'days': 1}
"""

from __future__ import annotations

import copy
import inspect
import re
import typing
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from ..errors import DuplicateToolOutput
from ..wire.base import UNSET, ClientEvent
from ..wire.client_events import ConversationItemCreate, SessionUpdate
from ..wire.items import FunctionCall, FunctionCallOutput
from ..wire.reprs import short_repr
from ..wire.session import FunctionTool
from .observer import Observer

__all__ = [
    "ToolCall",
    "PythonTool",
    "ToolRound",
    "ToolRegistry",
    "ToolArgumentsError",
    "python_tool",
    "encode_output",
    "error_output",
    "DEFAULT_TIMEOUT",
    "MAX_ROUNDS",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds a tool may run before its call is answered with a timeout error.

Long enough for a web request, short enough that a voice user is not left in
silence for minutes. A sync function that times out keeps running in its thread
(Python cannot stop a thread); only its result is no longer awaited.
"""

MAX_ROUNDS = 8
"""Consecutive responses that end in Python tool calls before the loop stops.

With ``tool_choice="required"`` a model must call a tool in every response, so
answering and continuing would never end; the loop stops there with a warning.
"""

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ANSWERED_MEMORY = 4096  # call_ids remembered for flagging a second output


class ToolArgumentsError(ValueError):
    """The model's arguments do not fit the tool's schema (or are not JSON)."""


@dataclass(frozen=True)
class ToolCall:
    """One call of a Python tool: what the model asked, what was sent back, how long it took.

    Attributes:
        name: the tool's name.
        call_id: the call's id (its ``function_call_output`` names it).
        arguments: the decoded arguments by parameter name (dataclasses, Structs and
            enums as such); the raw JSON text when they could not be decoded.
        output: the ``function_call_output`` sent to the model (JSON text, or the
            function's own string; ``{"error": ...}`` when it failed).
        error: why the call failed (bad arguments, an exception, a timeout), or
            ``None`` when the function ran and returned.
        duration_ms: how long the function ran (0 when it never started).
        response_id: the response that asked for the call.
        sent: whether the output was sent (``False`` if the session closed first,
            or if someone else had already answered the call).
    """

    name: str
    call_id: str
    arguments: Any
    output: str
    error: str | None = None
    duration_ms: float = 0.0
    response_id: str = ""
    sent: bool = True

    def __repr__(self) -> str:
        shown = f"ToolCall(name={self.name!r}, arguments={short_repr(self.arguments)}, "
        if self.error is not None:
            shown += f"error={short_repr(self.error)}, "
        return shown + f"output={short_repr(self.output)}, duration_ms={self.duration_ms:.0f})"


@dataclass(frozen=True)
class PythonTool:
    """A Python function registered as a function tool.

    Attributes:
        name: the name the model calls it by.
        description: what it does (the docstring's first paragraph by default).
        function: the function; ``async`` ones are awaited, others run in a thread.
        parameters: the JSON Schema of its arguments (``$defs`` inlined).
        arguments_type: the msgspec Struct type the arguments decode into.
    """

    name: str
    description: str
    function: Callable[..., Any] = field(repr=False)
    parameters: dict[str, Any] = field(repr=False)
    arguments_type: type[msgspec.Struct] = field(repr=False)
    positional: tuple[str, ...] = field(default=(), repr=False)

    @property
    def is_async(self) -> bool:
        """Whether the function is a coroutine function (awaited rather than run in a thread)."""
        return inspect.iscoroutinefunction(self.function)

    def definition(self) -> dict[str, Any]:
        """The tool as ``session.tools`` carries it (GA function tool)."""
        tool: dict[str, Any] = {"type": "function", "name": self.name,
                                "parameters": self.parameters}
        if self.description:
            tool["description"] = self.description
        return tool

    def decode(self, arguments: str | bytes) -> dict[str, Any]:
        """The model's arguments (JSON text) as keyword arguments for the function.

        Raises:
            ToolArgumentsError: not JSON, not an object, a wrong type, a missing
                or unknown field; the message says where.
        """
        try:
            decoded = msgspec.json.decode(arguments, type=self.arguments_type)
        except msgspec.ValidationError as error:
            raise ToolArgumentsError(f"invalid arguments for {self.name}: {error}") from None
        except msgspec.DecodeError as error:
            raise ToolArgumentsError(
                f"arguments for {self.name} are not valid JSON: {error}") from None
        return {name: getattr(decoded, name) for name in self.arguments_type.__struct_fields__}

    def call(self, arguments: Mapping[str, Any]) -> Any:
        """Call the function with decoded ``arguments`` (positional-only ones by position)."""
        args = [arguments[name] for name in self.positional]
        kwargs = {name: value for name, value in arguments.items()
                  if name not in self.positional}
        return self.function(*args, **kwargs)


# -- making a tool from a function ------------------------------------------------------------


def python_tool(function: Callable[..., Any], name: str | None = None,
                description: str | None = None) -> PythonTool:
    """Make a :class:`PythonTool` of ``function``: its schema from the signature and hints.

    The description is the docstring's first paragraph unless given; each
    parameter's description comes from the docstring's ``Args:`` section (Google
    style), unless its annotation already has one (``Annotated[int,
    msgspec.Meta(description=...)]``).

    Raises:
        TypeError: ``*args``/``**kwargs``, a type msgspec cannot describe, or a
            recursive type (which cannot be written without ``$ref``).
        ValueError: a name the service would refuse (1 to 64 letters, digits,
            ``_`` or ``-``).
    """
    tool_name = name if name is not None else getattr(function, "__name__", "")
    if not isinstance(tool_name, str) or not _NAME.match(tool_name):
        raise ValueError(f"Invalid tool name {tool_name!r}: 1 to 64 letters, digits, '_' or "
                         "'-' (pass name=...).")
    summary, arg_docs = _parse_docstring(inspect.getdoc(function) or "")
    text = summary if description is None else description
    if len(text) > 1024:
        raise ValueError(f"The description of {tool_name} is {len(text)} characters long; the "
                         "service refuses more than 1024 (pass description=...).")
    arguments_type, positional = _arguments_type(function, tool_name)
    try:
        schema = msgspec.json.schema(arguments_type)
    except TypeError as error:
        raise TypeError(f"Cannot describe the parameters of {tool_name}: {error}") from None
    parameters = _inline(schema, schema.get("$defs", {}), ())
    parameters.pop("title", None)
    properties = parameters.setdefault("properties", {})
    for param, doc in arg_docs.items():
        if param in properties and "description" not in properties[param]:
            properties[param]["description"] = doc
    return PythonTool(tool_name, text, function, parameters, arguments_type, positional)


def _arguments_type(function: Callable[..., Any], name: str
                    ) -> tuple[type[msgspec.Struct], tuple[str, ...]]:
    """A Struct type with one field per parameter of ``function`` (defaults kept)."""
    signature = inspect.signature(function)
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception as error:  # a forward reference that does not resolve
        raise TypeError(f"Cannot read the type hints of {name}: {error}") from None
    fields: list[Any] = []
    positional = []
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise TypeError(f"{name} takes *{parameter.name}: a tool's parameters must be "
                            "named, one by one.")
        if parameter.kind is parameter.POSITIONAL_ONLY:
            positional.append(parameter.name)
        hint = hints.get(parameter.name, Any)
        if parameter.default is parameter.empty:
            fields.append((parameter.name, hint))
        elif isinstance(parameter.default, list | dict | set) and parameter.default:
            # msgspec copies only empty containers; a non-empty one is rebuilt per call.
            fields.append((parameter.name, hint,
                           msgspec.field(default_factory=_copies(parameter.default))))
        else:
            fields.append((parameter.name, hint, parameter.default))
    try:
        struct = msgspec.defstruct(f"{name}_arguments", fields, kw_only=True,
                                   forbid_unknown_fields=True)
    except TypeError as error:
        raise TypeError(f"Cannot make a tool of {name}: {error}") from None
    return struct, tuple(positional)


def _copies(value: Any) -> Callable[[], Any]:
    """A factory of fresh copies of ``value`` (a parameter's non-empty list/dict default)."""
    return lambda: copy.deepcopy(value)


def _inline(node: Any, defs: Mapping[str, Any], seen: tuple[str, ...], *,
            names: bool = False) -> Any:
    """``node`` with every ``$ref`` replaced by its definition and msgspec's titles left out.

    Whether the Realtime API follows ``$ref`` in tool parameters is not documented
    (protocol.md §4.1.4 says only "a JSON Schema object"), so the schema is made
    self-contained. ``names`` marks a ``properties`` mapping, whose keys are field
    names rather than keywords (a field may be called ``title``).
    """
    if isinstance(node, list):
        return [_inline(value, defs, seen) for value in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {key: _inline(value, defs, seen) for key, value in node.items()}
    result: dict[str, Any] = {}
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = ref.rsplit("/", 1)[-1]
        if target in seen:
            raise TypeError(f"{target} refers to itself; a tool's schema is written out in "
                            "full, so recursive types cannot be parameters.")
        result.update(_inline(defs[target], defs, (*seen, target)))
    for key, value in node.items():
        if key in ("$ref", "$defs", "title"):
            continue
        result[key] = _inline(value, defs, seen, names=key == "properties")
    return result


_SECTION = re.compile(r"^(\w[\w ]*):\s*$")
_ARG = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """The first paragraph, and each parameter's description from a Google ``Args:`` section.

    >>> _parse_docstring('''Find flights.
    ...
    ... Args:
    ...     origin (str): where from,
    ...         an IATA code.
    ...     when: the date.
    ...
    ... Returns:
    ...     A list.''')
    ('Find flights.', {'origin': 'where from, an IATA code.', 'when': 'the date.'})
    """
    lines = doc.splitlines()
    first: list[str] = []
    for line in lines:
        if not line.strip():
            if first:
                break
            continue
        if _SECTION.match(line.strip()) and line.strip()[:-1] in _SECTIONS:
            break
        first.append(line.strip())
    args: dict[str, str] = {}
    inside = False
    indent: int | None = None
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if not inside:
            inside = stripped in ("Args:", "Arguments:", "Parameters:")
            continue
        if not stripped:
            continue
        depth = len(line) - len(line.lstrip())
        if depth == 0:
            break  # the next section ("Returns:") ends the arguments
        if indent is None:
            indent = depth
        match = _ARG.match(stripped)
        if depth <= indent and match:
            current = match.group(1)
            args[current] = match.group(2).strip()
        elif current is not None:
            args[current] = f"{args[current]} {stripped}".strip()
    return " ".join(first), args


_SECTIONS = {"Args", "Arguments", "Parameters", "Returns", "Return", "Raises", "Yields",
             "Example", "Examples", "Note", "Notes", "Attributes"}


# -- outputs ---------------------------------------------------------------------------------


def encode_output(result: Any) -> str:
    """What a function's result becomes as a ``function_call_output``: strings as they are,
    anything else as JSON (dataclasses, Structs, enums, dates included).

    >>> encode_output({"temp_c": 21}), encode_output("sunny")
    ('{"temp_c":21}', 'sunny')

    Raises:
        TypeError: the result cannot be written as JSON.
    """
    if isinstance(result, str):
        return result
    try:
        return msgspec.json.encode(result).decode()
    except (TypeError, msgspec.EncodeError) as error:
        raise TypeError(f"the result ({type(result).__name__}) is not JSON-serializable: "
                        f"{error}") from None


def error_output(message: str) -> str:
    """The output sent to the model when a call failed: ``{"error": message}``.

    >>> error_output("timed out after 0.2 s")
    '{"error":"timed out after 0.2 s"}'
    """
    return msgspec.json.encode({"error": message}).decode()


# -- the registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolRound:
    """The Python tool calls of one finished response, and what to do once they ran.

    Attributes:
        response_id: the response that asked for them.
        calls: each call with its tool, in the response's order.
        continue_after: whether a ``response.create`` follows the outputs.
        reason: why not, when it does not.
    """

    response_id: str
    calls: tuple[tuple[PythonTool, FunctionCall], ...]
    continue_after: bool
    reason: str = ""


class ToolRegistry(Observer):
    """``session.tools``: Python functions the model may call, run by the session.

    ``@session.tool`` (or :meth:`add`) registers a function and sends a
    ``session.update`` with it at once (merged with the tools set by hand); when a
    response ends with calls to registered tools, the session decodes and checks
    their arguments, runs them (a sync function in a worker thread, an async one
    awaited) within :attr:`timeout`, sends each result as a
    ``function_call_output`` and, when :attr:`auto_continue` is on, a
    ``response.create`` so that the model answers with them. Every call is kept
    as a :class:`ToolCall` in :attr:`calls`. Bad arguments, an exception or a
    timeout send ``{"error": "..."}`` to the model instead; nothing stops the session.

    Calls to functions that are not registered here are left to the user (they
    are in ``reply.function_calls``); when a response has any, no
    ``response.create`` follows automatically, since their outputs are missing.
    Calls in out-of-band responses (``conversation="none"``) and in responses
    that did not complete are left alone too.

    Attributes:
        timeout: seconds a call may take (default :data:`DEFAULT_TIMEOUT`).
        auto_continue: send ``response.create`` after the outputs (default
            ``True``); off, the loop stops after the outputs, one step at a time.
        max_rounds: consecutive tool-calling responses answered before stopping.
        calls: every :class:`ToolCall`, oldest first.
        duplicates: ``call_id`` values that were given a second output.
        missing: registered tools the last ``session.updated`` did not list.
    """

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, auto_continue: bool = True,
                 max_rounds: int = MAX_ROUNDS) -> None:
        self.timeout = timeout
        self.auto_continue = auto_continue
        self.max_rounds = max_rounds
        self.calls: list[ToolCall] = []
        self.duplicates: list[str] = []
        self.missing: tuple[str, ...] = ()
        self._tools: dict[str, PythonTool] = {}
        # The definitions sent for Python tools, now or before: a tool in an update that
        # equals one of them is ours, not one set by hand.
        self._published: dict[str, dict[str, Any]] = {}
        self._requested: list[dict[str, Any]] = []  # the tools of the last update sent
        self._answered: OrderedDict[str, None] = OrderedDict()
        self._streak = 0
        self.publisher: Callable[[list[dict[str, Any]]], Any] | None = None
        """Called with the whole tool list whenever it changes (the session sends it)."""

    # -- registering -------------------------------------------------------------------------

    def add(self, function: Callable[..., Any] | None = None, *, name: str | None = None,
            description: str | None = None) -> Any:
        """Register ``function`` as a tool and send it to the server; returns ``function``.

        Works as a decorator, bare or with arguments::

            @session.tool
            def get_weather(city: str) -> dict: ...

            @session.tool(name="lookup", description="Find a word.")
            async def find(word: str) -> str: ...

        A tool of the same name is replaced.

        Raises:
            TypeError, ValueError: the function cannot be a tool (see :func:`python_tool`).
        """
        if function is None:
            return lambda fn: self.add(fn, name=name, description=description)
        tool = python_tool(function, name, description)
        self._tools[tool.name] = tool
        self._published[tool.name] = tool.definition()
        self._publish()
        return function

    def remove(self, name: str) -> None:
        """Unregister the tool ``name`` and send the tool list without it.

        Raises:
            KeyError: no tool has that name.
        """
        if name not in self._tools:
            raise KeyError(f"No Python tool named {name!r} (registered: "
                           f"{', '.join(self._tools) or 'none'}).")
        del self._tools[name]
        self._publish()

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __getitem__(self, name: str) -> PythonTool:
        return self._tools[name]

    def __iter__(self) -> Iterator[PythonTool]:
        return iter(tuple(self._tools.values()))

    def __len__(self) -> int:
        return len(self._tools)

    def tool_list(self) -> list[dict[str, Any]]:
        """The session's whole tool list: the tools set by hand, then the Python tools.

        A hand-set tool of the same name as a registered Python tool gives way to
        it; a tool exactly as a Python tool was sent is that Python tool (gone
        once it is removed), and any other is the user's own.
        """
        by_hand = [tool for tool in self._requested
                   if tool.get("name") not in self._tools
                   and self._published.get(tool.get("name", "")) != tool]
        return by_hand + [tool.definition() for tool in self._tools.values()]

    def _publish(self) -> None:
        if self.publisher is not None:
            self.publisher(self.tool_list())

    # -- following the session ---------------------------------------------------------------

    def before_send(self, event: ClientEvent, *, check: bool = True) -> None:
        """Flag a second ``function_call_output`` for the same ``call_id``."""
        call_id = _output_call_id(event)
        if call_id is not None and call_id in self._answered:
            self.duplicates.append(call_id)
            warnings.warn(DuplicateToolOutput(
                f"A function_call_output for call_id {call_id!r} was already sent; the "
                "model gets both. Is the call answered by two owners (a Python tool and "
                "your own code)?"), stacklevel=4)

    def sent(self, event: ClientEvent) -> None:
        """Remember answered calls and the tools asked for; send the Python tools again
        if an update set by hand left them out."""
        call_id = _output_call_id(event)
        if call_id is not None:
            self._answered[call_id] = None
            if len(self._answered) > _ANSWERED_MEMORY:
                self._answered.popitem(last=False)
            return
        if isinstance(event, SessionUpdate):
            tools = event.session.to_dict().get("tools")
            if tools is None:
                return
            self._requested = [dict(tool) for tool in tools]
            sent_names = {tool.get("name") for tool in tools}
            if any(name not in sent_names for name in self._tools):
                # A tool list set by hand replaces the whole list: keep the Python tools in it.
                self._publish()

    def received(self, event: Any) -> None:
        """Check that the effective session lists the registered tools."""
        if event.type == "session.updated":
            tools = getattr(event.session, "tools", UNSET)
            listed = ({tool.name for tool in tools if isinstance(tool, FunctionTool)}
                      if tools is not UNSET else set())
            self.missing = tuple(name for name in self._tools if name not in listed)

    def answered(self, call_id: str) -> bool:
        """Whether a ``function_call_output`` for ``call_id`` was sent already."""
        return call_id in self._answered

    def plan(self, response: Any) -> ToolRound | None:
        """The Python tool calls of a finished response (``response.done``'s), or ``None``.

        Decides whether a ``response.create`` follows: not when
        :attr:`auto_continue` is off, when the response also calls functions
        that are not registered (their outputs are the user's to give), or after
        :attr:`max_rounds` tool-calling responses in a row (a warning says so).
        """
        output = response.output if response.output is not UNSET else []
        if (response.status != "completed" or response.conversation_id is None
                or not any(isinstance(item, FunctionCall) for item in output)):
            if response.status == "completed":
                self._streak = 0
            return None
        calls = tuple((self._tools[item.name], item) for item in output
                      if isinstance(item, FunctionCall) and item.name in self._tools)
        if not calls:
            self._streak = 0
            return None
        self._streak += 1
        others = sorted({item.name for item in output
                         if isinstance(item, FunctionCall) and item.name not in self._tools})
        reason = ""
        if not self.auto_continue:
            reason = "auto_continue is off"
        elif others:
            reason = f"the response also calls {', '.join(others)}, which you answer"
        elif self._streak > self.max_rounds:
            reason = f"{self.max_rounds} tool-calling responses in a row (max_rounds)"
            warnings.warn(f"Stopped the tool loop after {reason}; the outputs are sent, "
                          "send response.create yourself to go on.", stacklevel=2)
        return ToolRound(str(response.id), calls, continue_after=not reason, reason=reason)

    def record(self, call: ToolCall) -> None:
        """Keep ``call`` in :attr:`calls`."""
        self.calls.append(call)

    def __repr__(self) -> str:
        names = ", ".join(self._tools) or "none"
        return (f"<ToolRegistry tools=[{names}] calls={len(self.calls)} timeout={self.timeout:g}s "
                f"auto_continue={self.auto_continue}>")


def _output_call_id(event: ClientEvent) -> str | None:
    """The ``call_id`` of a ``conversation.item.create`` of a ``function_call_output``."""
    if isinstance(event, ConversationItemCreate) and isinstance(event.item, FunctionCallOutput):
        return event.item.call_id
    return None

