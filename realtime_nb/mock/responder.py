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
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    "proper_names",
    "PLACEHOLDER",
    "NAME_SCAN_CHARS",
    "COMMON_OPENERS",
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
        It is checked whole here, so that a mistake in it is reported when it is
        loaded rather than as a failed connection once the server runs.

        Raises:
            OSError: the file cannot be read.
            ValueError: it is not UTF-8 JSON of that shape; the message starts
                with ``path`` and says where (``rules[0].match must be a string``).
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"
                             ) from error
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not JSON: {error}") from error
        except RecursionError as error:  # json's parser recurses once per nesting level
            raise ValueError(f"{path}: not JSON: nested too deeply") from error
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a script is a JSON object, not {_json_kind(data)}")
        for key in data:
            if key not in ("rules", "transcripts"):
                raise ValueError(f"{path}: unknown key {key!r} (a script has: rules, transcripts)")
        rules = tuple(_rule_from_json(rule, f"{path}: rules[{index}]")
                      for index, rule in enumerate(_json_array(data, "rules", path)))
        transcripts = _json_array(data, "transcripts", path)
        for index, transcript in enumerate(transcripts):
            if not isinstance(transcript, str):
                raise ValueError(f"{path}: transcripts[{index}] must be a string,"
                                 f" not {_json_kind(transcript)}")
        return cls(rules=rules, transcripts=tuple(transcripts))

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


_RULE_JSON: dict[str, tuple[tuple[type, ...], str]] = {
    "match": ((str,), "a string"),
    "reply": ((str, type(None)), "a string"),
    "tool": ((str, type(None)), "a string"),
    "arguments": ((dict, str, type(None)), "an object or a string"),
    "after_tool": ((bool,), "true or false"),
}
"""The keys a rule in a script file may have (the fields of :class:`Rule`) and the JSON
types each accepts: a wrong type would otherwise fail only when the rule is tried."""


def _json_kind(value: object) -> str:
    """What a decoded JSON value is, in JSON's words (for error messages)."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    kinds = {dict: "an object", list: "an array", str: "a string", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def _json_array(data: dict[str, Any], key: str, path: str | Path) -> list[Any]:
    """``data[key]`` when it is an array (``[]`` when absent)."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"{path}: {key!r} must be an array, not {_json_kind(value)}")
    return value


def _rule_from_json(data: object, where: str) -> Rule:
    """The :class:`Rule` a script file's rule describes; ``where`` starts every error."""
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be an object, not {_json_kind(data)}")
    for key, value in data.items():
        if key not in _RULE_JSON:
            raise ValueError(f"{where} has an unknown key {key!r}"
                             f" (a rule has: {', '.join(_RULE_JSON)})")
        types, expected = _RULE_JSON[key]
        if not isinstance(value, types):
            raise ValueError(f"{where}.{key} must be {expected}, not {_json_kind(value)}")
    if data.get("reply") is not None and data.get("tool") is not None:
        raise ValueError(f"{where} has both reply and tool: a rule gives one")
    if data.get("arguments") is not None and data.get("tool") is None:
        raise ValueError(f"{where} has arguments but no tool")
    try:
        re.compile(data.get("match", ""), re.IGNORECASE)  # as Rule.applies searches
    except re.error as error:
        raise ValueError(f"{where}.match is not a regular expression: {error}") from error
    return Rule(**data)


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

PLACEHOLDER = "example"
"""The value of a string argument the user's words have no name for."""

NAME_SCAN_CHARS = 10_000
"""How much of the user's text is searched for names. The mock answers in the
server's event loop: reading a megabyte of words there would stall every connection."""


def arguments_from_schema(schema: Mapping[str, Any], user_text: str = "") -> dict[str, Any]:
    """Arguments that fit a tool's JSON Schema, filled from the user's words where possible.

    String fields take the names in ``user_text`` (places, people: see
    :func:`proper_names`, which reads the first :data:`NAME_SCAN_CHARS`
    characters) one each, in the schema's order (nested objects depth first, an
    array's item counting as one field): the first string field gets the first
    name, the second field the second name. A field left when the names run out,
    and every field of text without a name (all lowercase, say), gets
    :data:`PLACEHOLDER` rather than a name used again, so that ``from`` and
    ``to`` never name the same place by accident. Numbers take the first number
    in the text (1 without one); enums their first value, constants their value;
    booleans are true.

    >>> arguments_from_schema({"type": "object", "properties": {
    ...     "city": {"type": "string"}, "days": {"type": "integer"},
    ...     "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    ...     "required": ["city"]}, "Weather in New York for 3 days?")
    {'city': 'New York', 'days': 3, 'unit': 'celsius'}
    >>> route = {"type": "object", "properties": {
    ...     "from": {"type": "string"}, "to": {"type": "string"}, "via": {"type": "string"}}}
    >>> arguments_from_schema(route, "Book a train from Paris to Berlin.")
    {'from': 'Paris', 'to': 'Berlin', 'via': 'example'}
    """
    value = _value_for(schema, _Words(user_text), depth=0)
    return value if isinstance(value, dict) else {}


class _Words:
    """The user's words as argument values: names handed out one at a time, and a number.

    The names are found on first use only: most schemas have no free string field.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._names: Iterator[str] | None = None

    def next_name(self) -> str:
        """The next name not handed out yet, or :data:`PLACEHOLDER`."""
        if self._names is None:
            self._names = iter(proper_names(self.text[:NAME_SCAN_CHARS]))
        return next(self._names, PLACEHOLDER)

    def number(self) -> float:
        """The first number in the text, or 1 (an absurd one counts as none)."""
        found = _NUMBER.search(self.text)
        number = float(found.group()) if found else 1.0
        if not math.isfinite(number) or abs(number) > 2**53:
            number = 1.0  # a 400-digit "number" in the user's words is not an argument
        return number


def _value_for(schema: Any, words: _Words, depth: int) -> Any:
    if not isinstance(schema, Mapping) or depth > 8:
        return None
    if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf"):
        # An optional parameter is "X or null": fill in the X, as a model would.
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            chosen = next((b for b in branches if isinstance(b, Mapping)
                           and b.get("type") != "null"), branches[0])
            return _value_for(chosen, words, depth + 1)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        properties = schema.get("properties", {})
        if not isinstance(properties, Mapping):
            return {}
        return {name: _value_for(sub, words, depth + 1) for name, sub in properties.items()}
    if kind == "array":
        item = _value_for(schema.get("items", {}), words, depth + 1)
        return [] if item is None else [item]
    if kind in ("integer", "number"):
        number = words.number()
        return int(number) if kind == "integer" else number
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return words.next_name()


# A word keeps its inner apostrophes and hyphens ("What's", "Saint-Étienne"); any other
# mark, and a line break, is a token of its own.
_APOSTROPHES = "'\u2019"  # the typewriter one and the typographic one
_TOKEN = re.compile(rf"\w+(?:[{_APOSTROPHES}-]\w+)*|\n|[^\w\s]")
_SENTENCE_ENDS = frozenset(".!?…\n")
_POSSESSIVE = re.compile(rf"[{_APOSTROPHES}]s$")

_NAME_PARTICLES = frozenset({
    "de", "da", "di", "do", "du", "del", "della", "dos", "das", "la", "le",
    "van", "von", "der", "den", "of",
})
"""Lowercase words that may stand inside a name ("Rio de Janeiro", "Isle of Man")."""

COMMON_OPENERS: frozenset[str] = frozenset({
    # articles, determiners, pronouns
    "a", "an", "the", "this", "that", "these", "those", "some", "any", "all", "each", "every",
    "no", "not", "i", "you", "he", "she", "it", "we", "they", "me", "my", "your", "our",
    "their", "its", "there", "here",
    # question words, auxiliaries, modals
    "what", "whats", "which", "who", "whom", "whose", "where", "when", "why", "how",
    "is", "are", "was", "were", "am", "be", "do", "does", "did", "don't", "doesn't", "didn't",
    "isn't", "aren't", "can't", "won't", "can", "could", "would", "will", "shall", "should",
    "may", "might", "must", "have", "has", "had",
    # conjunctions, prepositions, time words
    "and", "but", "or", "so", "if", "then", "also", "just", "now", "today", "tomorrow",
    "tonight", "in", "on", "at", "for", "from", "to", "with", "about", "of", "by", "after",
    "before",
    # greetings and politeness
    "please", "thanks", "thank", "hi", "hello", "hey", "ok", "okay", "yes", "yeah", "sure",
    "well", "oh",
    # imperative verbs
    "use", "call", "get", "set", "find", "show", "tell", "give", "check", "look", "search",
    "fetch", "lookup", "compare", "book", "make", "send", "let", "run", "try", "help", "list",
    "add", "create", "open", "play", "turn", "say", "ask", "convert", "calculate", "translate",
    "remind", "schedule", "order", "go", "see", "need", "want", "know",
    # nouns that requests to a tool open with
    "weather", "forecast", "temperature", "time", "news",
})
"""Lowercase words that are not names when they open a sentence, capitalised.

A capital at the start of a sentence says nothing about the word, so there only
a word outside this list counts as a name ("Paris is nice?"). It holds the usual
openers of a request to a tool-using model: question words, auxiliaries,
pronouns, articles, greetings and imperative verbs ("Use get_weather for
Berlin."), and a few nouns such requests open with ("Weather in Rome?"). A word
with an apostrophe is checked whole and by its stem ("What's", "Let's").
"""


def proper_names(text: str) -> list[str]:
    """The names in ``text`` (places, people), in the order they first appear, each once.

    A name is a run of capitalised words ("New York"), also across a few
    lowercase particles ("Rio de Janeiro"); a comma or any other mark ends it,
    and so does a possessive ``'s``, which is dropped ("Paris's" gives "Paris").
    Words capitalised for another reason are not names: a common word opening a
    sentence (:data:`COMMON_OPENERS`) and the pronoun "I". Identifiers
    (``get_weather``, words with digits) never are, and text with no lowercase
    letter has no names, since its capitals say nothing.

    >>> proper_names("What's the weather in Paris? Use get_weather.")
    ['Paris']
    >>> proper_names("Compare New York and Rio de Janeiro, then Paris's.")
    ['New York', 'Rio de Janeiro', 'Paris']
    """
    if text == text.upper():
        return []
    runs: list[list[str]] = [[]]  # the last one is the name being read
    particles: list[str] = []  # read after a name's words, kept if more of it follows
    opens_sentence = True
    for token in _TOKEN.findall(text):
        if _is_name_word(token, opens_sentence):
            word = _POSSESSIVE.sub("", token)
            runs[-1] += [*particles, word]
            particles = []
            if word != token:  # "Paris's museum": the name ends at the 's
                runs.append([])
        elif runs[-1] and token in _NAME_PARTICLES:
            particles.append(token)
        elif runs[-1]:
            runs.append([])
            particles = []
        # Opening quotes and brackets leave a sentence's start where it was.
        opens_sentence = token in _SENTENCE_ENDS or (opens_sentence and not _is_word(token))
    return list(dict.fromkeys(" ".join(run) for run in runs if run))


def _is_word(token: str) -> bool:
    return token[0] == "_" or token[0].isalnum()


def _is_name_word(token: str, opens_sentence: bool) -> bool:
    """Whether ``token`` may be part of a name (see :func:`proper_names` for the rules)."""
    letters = re.sub(rf"[{_APOSTROPHES}-]", "", token)
    if not (token[0].isupper() and letters.isalpha()):
        return False  # lowercase, a mark, or an identifier such as get_weather
    word = token.lower().replace("\u2019", "'")
    stem = word.split("'")[0]
    if stem == "i":
        return False  # "I", "I'm": capitalised wherever they stand
    return not (opens_sentence and (word in COMMON_OPENERS or stem in COMMON_OPENERS))
