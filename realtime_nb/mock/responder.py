"""What the mock model says: a deterministic default, function calls built from the
tools' JSON Schemas, and a script hook for tests and demos.

The default reply is derived from the last user message, so a demo reads
naturally ("You said: …"). When tools are set and the user's words name one
("what's the *weather* in Paris?" names ``get_weather``), the reply is a
function call whose arguments fit the tool's schema; after a
``function_call_output`` the reply uses that output.

A :class:`Script` replaces any part of this: rules matched against the user's
words, a Python callable deciding the whole reply, and the transcripts given to
user audio.

>>> Script(rules=[Rule(match="weather", tool="get_weather",
...                    arguments={"city": "Paris"})]).reply(Turn(user_text="Weather?"))
Reply(text='', tool_call=ToolCall(name='get_weather', arguments='{"city":"Paris"}'))
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Turn",
    "ToolSpec",
    "ToolCall",
    "Reply",
    "Rule",
    "Script",
    "Responder",
    "default_reply",
    "arguments_from_schema",
]


@dataclass(frozen=True)
class ToolSpec:
    """A function tool as the responder sees it."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    """What a response is asked to answer.

    Attributes:
        user_text: the last user message's text (or its audio transcript), or
            ``None`` when there is none.
        user_audio_ms: length of that message's audio (0 for text).
        tool_output: the output of the last function call, when the last item of
            the context is a ``function_call_output``.
        tool_name: the name of the function that produced ``tool_output``.
        tools: the function tools available to this response.
        tool_choice: ``"auto"``, ``"none"``, ``"required"``, or a function name.
        instructions: the instructions in effect.
    """

    user_text: str | None = None
    user_audio_ms: int = 0
    tool_output: str | None = None
    tool_name: str | None = None
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: str = "auto"
    instructions: str = ""


@dataclass(frozen=True)
class ToolCall:
    """A function call the model makes; ``arguments`` is JSON text."""

    name: str
    arguments: str


@dataclass(frozen=True)
class Reply:
    """What one response says: text (spoken as audio when audio is on) or a tool call."""

    text: str = ""
    tool_call: ToolCall | None = None


Responder = Callable[[Turn], "Reply | str | None"]
"""A callable deciding a reply; returning ``None`` falls back to the default."""


@dataclass(frozen=True)
class Rule:
    """A scripted reply, used when ``match`` (a case-insensitive regex) finds the user's words.

    Give ``reply`` for a text reply, or ``tool`` (and optionally ``arguments``)
    for a function call. A rule with ``after_tool=True`` matches the turn that
    follows a function call's output instead, matching ``match`` against that
    output.
    """

    match: str = ""
    reply: str | None = None
    tool: str | None = None
    arguments: Mapping[str, Any] | str | None = None
    after_tool: bool = False

    def applies(self, turn: Turn) -> bool:
        """Whether this rule answers ``turn``."""
        subject = turn.tool_output if self.after_tool else turn.user_text
        if subject is None or (self.after_tool != (turn.tool_output is not None)):
            return False
        return re.search(self.match, subject, re.IGNORECASE) is not None

    def to_reply(self, turn: Turn) -> Reply:
        """The reply this rule gives."""
        if self.tool is not None:
            arguments = self.arguments
            if arguments is None:
                spec = next((t for t in turn.tools if t.name == self.tool), ToolSpec(self.tool))
                arguments = arguments_from_schema(spec.parameters, turn.user_text or "")
            if not isinstance(arguments, str):
                arguments = json.dumps(arguments, separators=(",", ":"))
            return Reply(tool_call=ToolCall(self.tool, arguments))
        return Reply(text=self.reply or "")


@dataclass(frozen=True)
class Script:
    """Decides what the mock says, instead of (or before) the default responder.

    Args:
        rules: tried in order; the first that applies gives the reply.
        respond: a callable tried after the rules; ``None`` from it means "default".
        transcripts: given in order to user audio turns (when input transcription
            is on, and to the responder as the user's words); when they run out,
            the default transcript describes the audio's length.
    """

    rules: Sequence[Rule] = ()
    respond: Responder | None = None
    transcripts: Sequence[str] = ()

    @classmethod
    def from_file(cls, path: str | Path) -> Script:
        """A script from a JSON file.

        The file holds ``{"rules": [{"match": …, "reply": …}, …], "transcripts": […]}``.
        """
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        rules = tuple(Rule(**rule) for rule in data.get("rules", ()))
        return cls(rules=rules, transcripts=tuple(data.get("transcripts", ())))

    def reply(self, turn: Turn) -> Reply:
        """The reply to ``turn``: the first matching rule, then ``respond``, then the default."""
        for rule in self.rules:
            if rule.applies(turn):
                return rule.to_reply(turn)
        if self.respond is not None:
            decided = self.respond(turn)
            if isinstance(decided, str):
                return Reply(text=decided)
            if decided is not None:
                return decided
        return default_reply(turn)

    def transcript(self, index: int, audio_ms: int) -> str:
        """The transcript of the ``index``-th user audio turn of a session."""
        if index < len(self.transcripts):
            return self.transcripts[index]
        return f"({audio_ms / 1000:.1f} seconds of speech)"


_GREETING = re.compile(r"^\s*(hi|hello|hey|good (morning|afternoon|evening))\b", re.IGNORECASE)
_STOPWORDS = {"get", "set", "the", "and", "for", "with", "lookup", "find", "fetch", "tool"}


def _tool_words(tool: ToolSpec) -> set[str]:
    words = re.split(r"[_\W]+", tool.name.lower())
    return {w for w in words if len(w) > 2 and w not in _STOPWORDS}


def _named_tool(turn: Turn) -> ToolSpec | None:
    if not turn.tools or turn.tool_choice == "none":
        return None
    by_name = {tool.name: tool for tool in turn.tools}
    if turn.tool_choice not in ("auto", "required"):
        return by_name.get(turn.tool_choice)
    text = (turn.user_text or "").lower()
    for tool in turn.tools:
        if any(re.search(rf"\b{re.escape(word)}", text) for word in _tool_words(tool)):
            return tool
    return turn.tools[0] if turn.tool_choice == "required" else None


def _describe_output(output: str) -> str:
    try:
        value = json.loads(output)
    except ValueError:
        return output
    if isinstance(value, dict) and value:
        return ", ".join(f"{key.replace('_', ' ')} {val}" for key, val in value.items())
    return output


_SAY = re.compile(r"\b(?:say|reply with|answer with|respond with)\b[^\"“]{0,40}[\"“]([^\"”]+)[\"”]",
                  re.IGNORECASE)


def default_reply(turn: Turn) -> Reply:
    """The mock's own reply: deterministic and derived from the turn.

    Instructions that quote what to say (``Say "Welcome, class!"``) are obeyed;
    otherwise a tool's output is reported, a tool named by the user is called,
    or the user's words are echoed.

    >>> default_reply(Turn(user_text="Hello there")).text
    "Hello! I'm the realtime_nb mock model. You said: “Hello there”."
    >>> default_reply(Turn(user_text="Hi", instructions='Say "Welcome, class!"')).text
    'Welcome, class!'

    """
    scripted = _SAY.search(turn.instructions)
    if scripted:
        return Reply(text=scripted.group(1).strip())
    if turn.tool_output is not None:
        name = turn.tool_name or "the tool"
        return Reply(text=f"Here is what {name} returned: {_describe_output(turn.tool_output)}.")
    tool = _named_tool(turn)
    if tool is not None:
        arguments = arguments_from_schema(tool.parameters, turn.user_text or "")
        return Reply(tool_call=ToolCall(tool.name, json.dumps(arguments, separators=(",", ":"))))
    if turn.user_text is None:
        if turn.user_audio_ms:
            return Reply(text=f"I heard {turn.user_audio_ms / 1000:.1f} seconds of audio.")
        return Reply(text="Hello! I'm the realtime_nb mock model. Say or type something.")
    said = _quoted(turn.user_text.strip())
    if _GREETING.match(said):
        return Reply(text=f"Hello! I'm the realtime_nb mock model. You said: “{said}”.")
    if said.endswith("?"):
        return Reply(text=f"Good question. You asked: “{said}”.")
    return Reply(text=f"You said: “{said}”.")


QUOTE_LIMIT = 200
"""Longest stretch of the user's words the default reply quotes back."""


def _quoted(text: str) -> str:
    return text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT].rstrip() + "…"


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PROPER_NOUN = re.compile(r"\b[A-Z][a-zA-Z]+(?:\s+[A-Z][a-zA-Z]+)*")


def arguments_from_schema(schema: Mapping[str, Any], user_text: str = "") -> dict[str, Any]:
    """Arguments that fit a tool's JSON Schema, filled from the user's words where possible.

    Strings take the last capitalised words of ``user_text`` (a city, a name),
    numbers its first number; enums take their first value; everything else a
    plain example value.

    >>> arguments_from_schema({"type": "object", "properties": {
    ...     "city": {"type": "string"}, "days": {"type": "integer"},
    ...     "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    ...     "required": ["city"]}, "Weather in New York for 3 days?")
    {'city': 'New York', 'days': 3, 'unit': 'celsius'}
    """
    value = _value_for(schema, user_text, depth=0)
    return value if isinstance(value, dict) else {}


def _value_for(schema: Any, text: str, depth: int) -> Any:
    if not isinstance(schema, Mapping) or depth > 8:
        return None
    if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        properties = schema.get("properties", {})
        if not isinstance(properties, Mapping):
            return {}
        return {name: _value_for(sub, text, depth + 1) for name, sub in properties.items()}
    if kind == "array":
        item = _value_for(schema.get("items", {}), text, depth + 1)
        return [] if item is None else [item]
    if kind in ("integer", "number"):
        found = _NUMBER.search(text)
        number = float(found.group()) if found else 1.0
        if not math.isfinite(number) or abs(number) > 2**53:
            number = 1.0  # a 400-digit "number" in the user's words is not an argument
        return int(number) if kind == "integer" else number
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    nouns = [n for n in _PROPER_NOUN.findall(text) if n.split()[0] not in _SENTENCE_STARTS]
    return nouns[-1] if nouns else "example"


_SENTENCE_STARTS = {"What", "What's", "Whats", "How", "Please", "Can", "Could", "Tell", "Is",
                    "The", "I", "Get", "Find", "Show", "Weather", "Hi", "Hello", "Hey"}
