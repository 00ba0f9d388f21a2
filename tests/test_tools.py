"""Python functions as tools: their schemas, and the tool loop against the mock.

Schemas are checked with a JSON Schema validator (Draft 2020-12): the schema
itself, then sample arguments against it. The loop runs against the mock
server, whose model calls a tool when the user's words name it (or a script
rule says so, with fixed arguments for the malformed cases).
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import json
import threading
from collections.abc import Coroutine
from typing import Annotated, Any, Literal, TypedDict

import jsonschema
import msgspec
import pytest

import realtime_nb as rt
from realtime_nb.mock import MockServer, Rule, Script
from realtime_nb.state.tools import (
    ToolArgumentsError,
    ToolRegistry,
    encode_output,
    error_output,
    python_tool,
)
from realtime_nb.wire import FunctionCall, Response


def run(scenario: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
    async def boxed() -> Any:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(boxed())


def client_events(session: rt.RealtimeSession) -> list[dict[str, Any]]:
    assert session.tape is not None
    return [json.loads(entry.text) for entry in session.tape if entry.direction == "client"]


def outputs_sent(session: rt.RealtimeSession) -> list[dict[str, Any]]:
    return [event["item"] for event in client_events(session)
            if event["type"] == "conversation.item.create"
            and event["item"]["type"] == "function_call_output"]


def no_refs(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" not in node and "$defs" not in node and all(map(no_refs, node.values()))
    if isinstance(node, list):
        return all(map(no_refs, node))
    return True


# -- annotations ------------------------------------------------------------------------------


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Point(TypedDict):
    lat: float
    lon: float


@dataclasses.dataclass
class Address:
    """A postal address."""

    street: str
    zip_code: str | None = None


class Stop(msgspec.Struct):
    """One stop of a trip."""

    name: str
    minutes: int = 0
    address: Address | None = None


def plan_trip(origin: str, stops: list[Stop], days: int, budget: float, pets: bool,
              mode: Literal["car", "train"], unit: Unit = Unit.CELSIUS,
              tags: list[str] | None = None, at: Point | None = None,
              home: Address | None = None, note: str = "") -> dict[str, Any]:
    """Plan a trip.

    The planner books nothing.

    Args:
        origin: where the trip starts.
        stops: the places to visit,
            in order.
        days (int): how long it lasts.
        budget: in euros.

    Returns:
        The plan.
    """
    return {"origin": origin, "stops": [stop.name for stop in stops]}


@dataclasses.dataclass
class Node:
    children: list[Node]


SAMPLE = {
    "origin": "Paris", "days": 3, "budget": 250.5, "pets": False, "mode": "train",
    "stops": [{"name": "Lyon", "minutes": 90, "address": {"street": "1 rue X"}},
              {"name": "Nice"}],
    "unit": "fahrenheit", "tags": ["sea"], "at": {"lat": 48.8, "lon": 2.3},
    "home": {"street": "2 rue Y", "zip_code": "75001"},
}


def test_every_supported_annotation_gives_a_valid_self_contained_schema() -> None:
    tool = python_tool(plan_trip)
    schema = tool.parameters
    jsonschema.Draft202012Validator.check_schema(schema)
    assert no_refs(schema), "the schema is inlined: no $ref, no $defs"
    assert "title" not in schema
    properties = schema["properties"]
    assert properties["origin"] == {"type": "string", "description": "where the trip starts."}
    assert properties["days"] == {"type": "integer", "description": "how long it lasts."}
    assert properties["budget"]["type"] == "number"
    assert properties["pets"] == {"type": "boolean"}
    assert properties["mode"] == {"enum": ["car", "train"]}
    assert set(properties["unit"]["enum"]) == {"celsius", "fahrenheit"}
    assert properties["unit"]["default"] == "celsius"
    assert properties["tags"]["anyOf"][0] == {"type": "array", "items": {"type": "string"}}
    assert properties["at"]["anyOf"][0]["properties"] == {"lat": {"type": "number"},
                                                         "lon": {"type": "number"}}
    stop = properties["stops"]["items"]
    assert stop["description"] == "One stop of a trip." and stop["required"] == ["name"]
    # Nested: an optional dataclass inside a Struct inside a list.
    assert stop["properties"]["address"]["anyOf"][0]["properties"]["street"] == {"type": "string"}
    assert properties["stops"]["description"] == "the places to visit, in order."
    assert sorted(schema["required"]) == ["budget", "days", "mode", "origin", "pets", "stops"]
    assert schema["additionalProperties"] is False
    assert tool.description == "Plan a trip."
    assert tool.definition() == {"type": "function", "name": "plan_trip",
                                 "parameters": schema, "description": "Plan a trip."}

    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(SAMPLE)
    validator.validate({key: SAMPLE[key] for key in schema["required"]})
    for bad in ({**SAMPLE, "days": "3"}, {**SAMPLE, "mode": "plane"},
                {**SAMPLE, "unit": "kelvin"}, {**SAMPLE, "extra": 1},
                {key: value for key, value in SAMPLE.items() if key != "origin"},
                {**SAMPLE, "stops": [{"minutes": 3}]}):
        assert not validator.is_valid(bad)

    # The same type decodes the arguments: what the schema says is what is checked.
    arguments = tool.decode(json.dumps(SAMPLE))
    assert arguments["unit"] is Unit.FAHRENHEIT
    assert arguments["stops"][0] == Stop("Lyon", 90, Address("1 rue X"))
    assert arguments["home"] == Address("2 rue Y", "75001")
    assert arguments["at"] == {"lat": 48.8, "lon": 2.3}
    assert tool.call(arguments) == {"origin": "Paris", "stops": ["Lyon", "Nice"]}
    defaults = tool.decode(json.dumps({key: SAMPLE[key] for key in schema["required"]}))
    assert defaults["unit"] is Unit.CELSIUS and defaults["tags"] is None and defaults["note"] == ""


def test_the_service_dialect_builder_accepts_the_tool() -> None:
    # A session.update with the tool is valid as the service checks it, in both dialects.
    event = rt.session_update({"tools": [python_tool(plan_trip).definition()]})
    assert json.loads(event.to_json())["session"]["tools"][0]["name"] == "plan_trip"
    assert json.loads(event.to_json("beta"))["session"]["tools"][0]["type"] == "function"


def test_constraints_descriptions_and_positional_only_parameters() -> None:
    def book(seats: Annotated[int, msgspec.Meta(ge=1, le=9, description="how many")], /,
             name: Annotated[str, msgspec.Meta(min_length=1)], when: str = "today",
             extras: list[str] = ["none"]) -> str:  # noqa: B006 - rebuilt per call
        """Book seats.

        Args:
            seats: ignored: the annotation's description wins.
            name: who books.
        """
        return f"{seats} for {name} {when} {extras}"

    tool = python_tool(book, name="book_seats", description="Reserve seats.")
    properties = tool.parameters["properties"]
    jsonschema.Draft202012Validator.check_schema(tool.parameters)
    assert properties["seats"] == {"type": "integer", "minimum": 1, "maximum": 9,
                                   "description": "how many"}
    assert properties["name"] == {"type": "string", "minLength": 1, "description": "who books."}
    assert tool.name == "book_seats" and tool.description == "Reserve seats."
    arguments = tool.decode('{"seats": 2, "name": "Ada"}')
    assert tool.call(arguments) == "2 for Ada today ['none']"
    arguments["extras"].append("changed")
    assert tool.decode('{"seats": 2, "name": "Ada"}')["extras"] == ["none"]  # a fresh copy
    with pytest.raises(ToolArgumentsError, match=r"Expected `int` >= 1 - at `\$.seats`"):
        tool.decode('{"seats": 0, "name": "Ada"}')


def test_bad_arguments_are_refused_with_precise_messages() -> None:
    tool = python_tool(plan_trip)
    cases = {
        "{not json": "not valid JSON",
        "[1, 2]": "Expected `object`, got `array`",
        json.dumps({**SAMPLE, "days": "three"}): r"Expected `int`, got `str` - at `$.days`",
        json.dumps({**SAMPLE, "stops": [{"name": 5}]}): "at `$.stops[0].name`",
        json.dumps({**SAMPLE, "mystery": 1}): "unknown field `mystery`",
        json.dumps({"origin": "Paris"}): "missing required field",
    }
    for arguments, message in cases.items():
        with pytest.raises(ToolArgumentsError) as refused:
            tool.decode(arguments)
        assert message in str(refused.value) and "plan_trip" in str(refused.value)


def test_what_cannot_be_a_tool_says_why() -> None:
    def spread(*args: int) -> None:
        """No."""

    def walk(tree: Node) -> None:
        """Recursive."""

    def opaque(thing: object) -> None:
        """An object."""

    with pytest.raises(TypeError, match=r"takes \*args"):
        python_tool(spread)
    with pytest.raises(TypeError, match="refers to itself"):
        python_tool(walk)
    with pytest.raises(TypeError, match="opaque"):
        python_tool(opaque)
    with pytest.raises(ValueError, match="Invalid tool name"):
        python_tool(lambda: None)
    with pytest.raises(ValueError, match="1024"):
        python_tool(plan_trip, description="x" * 1025)


def test_results_become_outputs() -> None:
    assert encode_output("sunny") == "sunny"
    assert encode_output(Address("1 rue X")) == '{"street":"1 rue X","zip_code":null}'
    assert encode_output(Stop("Lyon")) == '{"name":"Lyon","minutes":0,"address":null}'
    assert encode_output(Unit.CELSIUS) == '"celsius"' and encode_output(None) == "null"
    with pytest.raises(TypeError, match="not JSON-serializable"):
        encode_output(object())
    assert json.loads(error_output('a "quoted" failure')) == {"error": 'a "quoted" failure'}


# -- the registry without a session -------------------------------------------------------------


def _done(*items: Any, status: str = "completed", conversation: str | None = "conv_1") -> Any:
    return Response(id="resp_1", status=status, output=list(items),  # type: ignore[arg-type]
                    conversation_id=conversation)


def test_plan_picks_the_python_tool_calls_and_decides_whether_to_go_on() -> None:
    registry = ToolRegistry()
    published: list[list[dict[str, Any]]] = []
    registry.publisher = published.append
    registry.add(plan_trip)
    assert [tool["name"] for tool in published[-1]] == ["plan_trip"]
    mine = FunctionCall(name="plan_trip", arguments="{}", call_id="call_1")
    theirs = FunctionCall(name="lookup", arguments="{}", call_id="call_2")

    plan = registry.plan(_done(mine))
    assert plan is not None and plan.continue_after and plan.calls[0][1] is mine
    assert registry.plan(_done(theirs)) is None  # not a Python tool: the user's to answer
    mixed = registry.plan(_done(mine, theirs))
    assert mixed is not None and not mixed.continue_after and "lookup" in mixed.reason
    assert registry.plan(_done(mine, status="cancelled")) is None
    assert registry.plan(_done(mine, conversation=None)) is None  # out of band
    registry.auto_continue = False
    stopped = registry.plan(_done(mine))
    assert stopped is not None and stopped.reason == "auto_continue is off"

    # A tool list set by hand replaces the session's: the Python tools are sent again with it.
    registry.sent(rt.session_update({"tools": [{"type": "function", "name": "lookup"}]}))
    assert [tool["name"] for tool in published[-1]] == ["lookup", "plan_trip"]
    count = len(published)
    registry.sent(rt.session_update({"tools": published[-1]}))  # that one: nothing to add
    assert len(published) == count
    # A hand tool named like a Python tool gives way to it in the list.
    registry.sent(rt.session_update({"tools": [
        {"type": "function", "name": "lookup"}, {"type": "function", "name": "plan_trip"}]}))
    assert [tool["name"] for tool in registry.tool_list()] == ["lookup", "plan_trip"]
    assert "description" in registry.tool_list()[1]  # the Python one
    # Whether the session the server reports lists the Python tools.
    registry.received(rt.parse_server_event({"type": "session.updated", "event_id": "e1",
                                             "session": {"type": "realtime", "tools": [
                                                 {"type": "function", "name": "lookup"}]}}))
    assert registry.missing == ("plan_trip",)
    registry.remove("plan_trip")
    # The hand-set plan_trip gave way to the Python one; with that gone, it is back.
    assert published[-1] == [{"type": "function", "name": "lookup"},
                             {"type": "function", "name": "plan_trip"}]
    with pytest.raises(KeyError, match="No Python tool named 'plan_trip'"):
        registry.remove("plan_trip")


# -- the loop against the mock ----------------------------------------------------------------


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: the city's name, e.g. "Paris".
    """
    return {"city": city, "temp_c": 21, "unit": unit, "thread": threading.get_ident()}


def test_a_registered_tool_runs_and_say_returns_the_reply_to_its_output() -> None:
    async def scenario() -> tuple[rt.RealtimeSession, rt.Reply]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url, record=True) as session:
            hand = {"type": "function", "name": "lookup_word", "parameters": {"type": "object"}}
            await session.update(tools=[hand])
            assert session.tool(get_weather) is get_weather
            reply = await session.say("What's the weather in Paris?",
                                      output_modalities=["text"])
            assert [t.name for t in session.session.tools] == ["lookup_word", "get_weather"]
            return session, reply

    session, reply = run(scenario())
    [call] = reply.tool_calls
    assert call.name == "get_weather" and call.error is None and call.sent
    assert call.arguments == {"city": "Paris", "unit": "celsius"}
    assert json.loads(call.output)["temp_c"] == 21 and call.duration_ms >= 0
    assert json.loads(call.output)["thread"] != threading.get_ident()  # a worker thread
    assert session.tool_calls == [call] and session.tools.missing == ()
    # The final reply answers the output; the call itself was the previous response's.
    assert "get_weather returned" in reply.text and "temp c 21" in reply.text
    assert reply.function_calls == () and call.response_id != reply.response_id
    assert [o["call_id"] for o in outputs_sent(session)] == [call.call_id]
    types = [event["type"] for event in client_events(session)]
    assert types.count("response.create") == 2  # the question, then the follow-up
    assert session.last_update.diff == []
    assert "tools_ran=get_weather" in repr(reply)


def test_auto_continue_off_stops_after_the_output() -> None:
    async def scenario() -> tuple[rt.RealtimeSession, rt.Reply]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url, record=True) as session:
            session.tools.add(get_weather)
            session.tools.auto_continue = False
            reply = await session.say("Weather in Rome?", output_modalities=["text"])
            await asyncio.sleep(0.1)  # a follow-up, if one were sent, would show by now
            return session, reply

    session, reply = run(scenario())
    [request] = reply.function_calls
    [call] = reply.tool_calls
    assert request.call_id == call.call_id and call.arguments["city"] == "Rome"
    assert outputs_sent(session) == [{"type": "function_call_output", "call_id": call.call_id,
                                      "output": call.output}]
    types = [event["type"] for event in client_events(session)]
    assert types.count("response.create") == 1 and types[-1] == "conversation.item.create"


def test_failures_are_sent_to_the_model_and_recorded() -> None:
    def get_weather(city: str) -> str:
        """Weather."""
        raise ConnectionError(f"no station in {city}")

    async def scenario() -> tuple[rt.RealtimeSession, rt.Reply]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url, record=True) as session:
            session.tool(get_weather)
            reply = await session.say("Weather in Oslo?", output_modalities=["text"])
            return session, reply

    session, reply = run(scenario())
    [call] = reply.tool_calls
    assert call.error == "get_weather failed: ConnectionError: no station in Oslo"
    assert json.loads(call.output) == {"error": call.error}
    assert outputs_sent(session)[0]["output"] == call.output
    assert reply.status == "completed" and "no station in Oslo" in reply.text


@pytest.mark.parametrize("arguments, message", [
    ("{not json", "not valid JSON"),
    ({"city": 5}, r"Expected `str`, got `int` - at `$.city`"),
    ({"town": "Paris"}, "unknown field `town`"),
])
def test_malformed_arguments_are_answered_with_an_error(arguments: Any, message: str) -> None:
    ran: list[str] = []

    def get_weather(city: str) -> str:
        """Weather."""
        ran.append(city)
        return "sunny"

    script = Script(rules=[Rule(match="weather", tool="get_weather", arguments=arguments)])

    async def scenario() -> rt.Reply:
        async with MockServer(seed=1, script=script) as mock, rt.connect(mock.url) as session:
            session.tool(get_weather)
            return await session.say("Weather?", output_modalities=["text"])

    reply = run(scenario())
    [call] = reply.tool_calls
    assert ran == [] and call.error is not None and message in call.error
    assert call.arguments == (arguments if isinstance(arguments, str)
                              else json.dumps(arguments, separators=(",", ":")))
    assert json.loads(call.output) == {"error": call.error} and call.duration_ms == 0
    assert "error" in reply.text  # the model was told


def test_a_slow_tool_hits_its_timeout_and_receiving_goes_on_meanwhile() -> None:
    started, release = threading.Event(), threading.Event()

    def get_weather(city: str) -> str:
        """Weather, slowly."""
        started.set()
        release.wait(5)  # blocks its thread until the test lets it go
        return "too late"

    async def scenario() -> tuple[rt.Reply, bool]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            session.tool(get_weather)
            session.tools.timeout = 0.2
            asking = asyncio.ensure_future(session.say("Weather in Lima?",
                                                       output_modalities=["text"]))
            await asyncio.to_thread(started.wait, 5)
            # The function blocks its thread; the session still sends and receives.
            await session.send(rt.clear_audio(), wait=True)
            blocked_meanwhile = not release.is_set()
            try:
                return await asking, blocked_meanwhile
            finally:
                release.set()

    reply, blocked_meanwhile = run(scenario())
    assert blocked_meanwhile
    [call] = reply.tool_calls
    assert call.error == "get_weather timed out after 0.2 s"
    assert 150 <= call.duration_ms < 5000
    assert json.loads(call.output) == {"error": call.error}
    assert "timed out" in reply.text


def test_an_async_tool_is_awaited_on_the_event_loop_with_its_timeout() -> None:
    calls: list[int] = []

    async def get_weather(city: str, slow: bool = False) -> dict[str, Any]:
        """Weather, asynchronously."""
        calls.append(threading.get_ident())
        if city == "Cairo":
            await asyncio.sleep(5)
        return {"city": city, "sky": "clear"}

    async def scenario() -> tuple[rt.Reply, rt.Reply]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            session.tool(get_weather)
            first = await session.say("Weather in Lima?", output_modalities=["text"])
            session.tools.timeout = 0.2
            second = await session.say("Weather in Cairo?", output_modalities=["text"])
            return first, second

    first, second = run(scenario())
    assert calls == [threading.get_ident()] * 2  # on the loop's thread, not a worker
    assert first.tool_calls[0].error is None and "sky clear" in first.text
    assert second.tool_calls[0].error == "get_weather timed out after 0.2 s"


def test_a_tools_own_timeout_is_its_failure_not_the_runners() -> None:
    async def get_weather(city: str) -> str:
        """Weather from a feed that does not answer."""
        raise rt.EventTimeout("feed.update", 1.0)  # a TimeoutError, raised by the tool

    async def scenario() -> rt.Reply:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            session.tool(get_weather)
            return await session.say("Weather in Lima?", output_modalities=["text"])

    [call] = run(scenario()).tool_calls
    assert call.error is not None
    assert call.error.startswith("get_weather failed: EventTimeout: no 'feed.update'")


def test_functions_that_are_not_python_tools_stay_the_users_to_answer() -> None:
    lookup = {"type": "function", "name": "lookup_word", "description": "Define a word.",
              "parameters": {"type": "object", "properties": {"word": {"type": "string"}}}}

    async def scenario() -> tuple[rt.RealtimeSession, rt.Reply]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url, record=True) as session:
            session.tool(get_weather)
            await session.update(tools=[lookup])  # by hand: the Python tool is sent again
            await session.send(rt.clear_audio(), wait=True)  # answered after the re-sent list
            assert {t.name for t in session.session.tools} == {"lookup_word", "get_weather"}
            reply = await session.say("Please lookup the word serendipity.",
                                      output_modalities=["text"])
            return session, reply

    session, reply = run(scenario())
    [request] = reply.function_calls
    assert request.name == "lookup_word" and reply.tool_calls == ()
    assert outputs_sent(session) == [] and session.tool_calls == []


def test_a_second_output_for_the_same_call_is_flagged() -> None:
    async def scenario() -> rt.RealtimeSession:
        async with MockServer(seed=1) as mock, rt.connect(mock.url, record=True) as session:
            session.tool(get_weather)
            reply = await session.say("Weather in Paris?", output_modalities=["text"])
            call_id = reply.tool_calls[0].call_id
            with pytest.warns(rt.DuplicateToolOutput, match=call_id):
                await session.send(rt.create_item(rt.function_output(call_id, "mine too")))
            return session

    session = run(scenario())
    assert session.tools.duplicates == [session.tool_calls[0].call_id]
    assert len(outputs_sent(session)) == 2  # flagged, not refused


def test_a_response_nobody_waits_for_is_continued_by_the_session() -> None:
    async def scenario() -> tuple[rt.RealtimeSession, list[Any]]:
        done: list[Any] = []
        two = asyncio.Event()

        def on_done(event: Any) -> None:
            done.append(event.response)
            if len(done) == 2:
                two.set()

        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            session.tool(get_weather)
            session.on("response.done", on_done)
            await session.send(rt.create_item(rt.user_text("Weather in Berlin?")))
            await session.send(rt.create_response(output_modalities=["text"]))
            await asyncio.wait_for(two.wait(), 10)
            return session, done

    session, done = run(scenario())
    assert isinstance(done[0].output[0], FunctionCall)
    assert done[1].status == "completed" and not isinstance(done[1].output[0], FunctionCall)
    assert [call.arguments["city"] for call in session.tool_calls] == ["Berlin"]


def test_the_loop_stops_after_max_rounds() -> None:
    script = Script(rules=[Rule(match="weather", tool="get_weather"),
                           Rule(match=".", after_tool=True, tool="get_weather",
                                arguments={"city": "again"})])

    async def scenario() -> rt.Reply:
        async with MockServer(seed=1, script=script) as mock, rt.connect(mock.url) as session:
            session.tool(get_weather)
            session.tools.max_rounds = 2
            with pytest.warns(UserWarning, match="Stopped the tool loop after 2 tool-calling"):
                return await session.say("Weather in Paris?", output_modalities=["text"])

    reply = run(scenario())
    assert [call.arguments["city"] for call in reply.tool_calls] == ["Paris", "again", "again"]
    assert reply.function_calls[0].name == "get_weather"  # the last round: not continued


def test_tools_can_be_added_from_another_thread_and_removed() -> None:
    async def scenario() -> tuple[Any, Any]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            waiting = asyncio.ensure_future(session.wait_for("session.updated", timeout=5))
            await asyncio.sleep(0)  # waiting from now on
            await asyncio.to_thread(session.tools.add, get_weather, name="weather_now")
            added = await waiting
            session.tools.remove("weather_now")
            removed = await session.wait_for("session.updated", timeout=5)
            return added.session, removed.session  # type: ignore[union-attr]

    added, removed = run(scenario())
    assert [tool.name for tool in added.tools] == ["weather_now"]
    assert added.tools[0].description == "Current weather for a city."
    assert removed.tools == []


def test_a_removed_python_tool_leaves_and_a_hand_tool_of_its_name_stays() -> None:
    registry = ToolRegistry()
    published: list[list[dict[str, Any]]] = []
    registry.publisher = published.append

    def lookup(word: str) -> str:
        """Find a word."""
        return word

    def weather(city: str) -> str:
        """The weather."""
        return city

    registry.add(lookup)
    registry.sent(rt.session_update({"tools": published[-1]}))  # the session sent it
    registry.remove("lookup")
    assert published[-1] == []  # the Python tool left; it was never the user's
    registry.add(weather)
    hand = {"type": "function", "name": "lookup", "parameters": {"type": "object"}}
    registry.sent(rt.session_update({"tools": [hand]}))  # the user's own lookup, by hand
    assert [tool["name"] for tool in published[-1]] == ["lookup", "weather"]
    assert published[-1][0] == hand
