"""One mock connection's protocol state, with no I/O: frames in, server events out.

:class:`MockSession` is what the mock server runs per WebSocket connection, and
what a test can drive directly: :meth:`~MockSession.opening` gives the events
sent on connect, :meth:`~MockSession.receive` takes one client frame and
returns a :class:`Step` (events to send now, and the responses and input
transcriptions to start streaming). Every refusal becomes an ``error`` event
linked to the client event's ``event_id`` and leaves the session as it was, in
the service's words (protocol.md §5 (i)).

A GA session opens with ``session.created`` alone, as the live service's does
(protocol.md §5 (a)); the legacy beta dialect adds ``conversation.created``.

>>> session = MockSession(seed=1)
>>> [event.type for event in session.opening()]
['session.created']
>>> step = session.receive('{"type":"input_audio_buffer.commit","event_id":"e1"}')
>>> step.events[0].error.code, step.events[0].error.event_id
('input_audio_buffer_commit_empty', 'e1')
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgspec

from ..audio.formats import bytes_per_ms, sample_rate
from ..audio.pcm import PCM_RATE
from ..codec import parse_client_event
from ..errors import DecodeError, EventValidationError
from ..wire import (
    UNSET,
    AudioConfig,
    AudioFormat,
    AudioInput,
    AudioOutput,
    AudioPCM,
    ClientEvent,
    ConversationCreated,
    ConversationItemCreate,
    ConversationItemDelete,
    ConversationItemDeleted,
    ConversationItemRetrieve,
    ConversationItemRetrieved,
    ConversationItemTruncate,
    ConversationItemTruncated,
    Dialect,
    ErrorEvent,
    FunctionCall,
    FunctionCallOutput,
    FunctionTool,
    InputAudio,
    InputAudioBufferAppend,
    InputAudioBufferClear,
    InputAudioBufferCleared,
    InputAudioBufferCommit,
    InputAudioBufferCommitted,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioBufferTimeoutTriggered,
    InputText,
    InputTranscription,
    Item,
    ItemReference,
    Message,
    OutputAudio,
    OutputAudioBufferClear,
    ResponseCancel,
    ResponseCreate,
    ResponseParams,
    SemanticVad,
    ServerEvent,
    ServerVad,
    Session,
    SessionCreated,
    SessionUpdate,
    SessionUpdated,
    ToolChoiceFunction,
    TranscriptionAudio,
    TranscriptionAudioInput,
    TranscriptionSession,
)
from ..wire import (
    Conversation as ConversationInfo,
)
from . import service_errors as refuse
from .conversation import Conversation, item_added, item_finished
from .ids import IdFactory, Obfuscator
from .input_audio import (
    MAX_APPEND_BYTES,
    MAX_BUFFERED_MS,
    MIN_COMMIT_MS,
    InputAudioBuffer,
)
from .responder import Script, ToolSpec, Turn
from .responses import EventStream, ResponsePlan, ResponseRun
from .service_errors import Refusal
from .session_config import (
    SESSION_LIFETIME_S,
    default_session,
    default_transcription_session,
    merge_session,
)
from .transcription import TRANSCRIPTION_LATENCY_MS, TranscriptionPlan, TranscriptionRun
from .usage import PromptCache
from .vad import EnergyVad, SpeechStarted

__all__ = ["MockSession", "Step", "RATE_LIMIT_TOKENS"]

RATE_LIMIT_TOKENS = 40_000
"""The ``tokens`` limit ``rate_limits.updated`` reports (the value in a GA capture)."""

_SEMANTIC_SILENCE_MS = {"low": 1000, "medium": 500, "auto": 500, "high": 200}


@dataclass
class Step:
    """What the session answers one client frame with.

    Attributes:
        events: server events to send now, in order.
        runs: responses that started; stream each with :meth:`ResponseRun.events`.
        transcriptions: input transcriptions that started (one per committed turn
            while ``audio.input.transcription`` is set); they run beside the responses.
    """

    events: list[ServerEvent] = field(default_factory=list)
    runs: list[ResponseRun] = field(default_factory=list)
    transcriptions: list[TranscriptionRun] = field(default_factory=list)

    @property
    def streams(self) -> list[EventStream]:
        """Every timed stream that started, in the order to start them.

        Responses come first: at ``--pace fast`` a response's head (up to its first
        delta) then goes out before the transcription of the turn it answers, as
        the user's transcript arrives after ``response.created`` on the service.
        """
        return [*self.runs, *self.transcriptions]


class MockSession:
    """The state of one Realtime session as the service keeps it.

    Args:
        dialect: ``"ga"`` or ``"beta"``: every event in and out uses this dialect.
        model: the model named in the connection URL.
        seed: makes ids and latencies repeatable; ``None`` for random ones.
        script: decides replies, tool calls and transcripts (default: :class:`Script`).
        token_budget: tokens this connection may use in all; when spent, responses
            fail with ``rate_limit_exceeded`` (a fault for teaching and tests).
            ``None`` (the default) reports a full bucket after every response.
        lifetime_s: seconds until the session expires (reported as ``expires_at``; the
            server ends the connection then).
        transcription: a transcription session (GA ``?intent=transcription``): audio
            turns are committed, and transcribed once the client sets a transcription
            model; no response is ever made.
        now: the clock for ``expires_at`` (epoch seconds).
    """

    def __init__(self, *, dialect: Dialect = "ga", model: str = "gpt-realtime",
                 seed: int | None = None, script: Script | None = None,
                 token_budget: int | None = None, lifetime_s: int = SESSION_LIFETIME_S,
                 transcription: bool = False, now: Callable[[], float] = time.time) -> None:
        self.dialect: Dialect = dialect
        self.ids = IdFactory(seed)
        self._random = random.Random(seed)
        # GA pads text deltas; beta never did (protocol.md §5 (c)).
        self._obfuscation = Obfuscator(seed).new if dialect == "ga" else None
        self.script = script or Script()
        if transcription and dialect != "ga":
            raise ValueError("transcription sessions are modelled for the GA dialect only")
        self.session: Session | TranscriptionSession = (
            default_transcription_session(session_id=self.ids.new("sess"), now=int(now()),
                                          lifetime_s=lifetime_s)
            if transcription else
            default_session(dialect, model=model, session_id=self.ids.new("sess"),
                            now=int(now()), lifetime_s=lifetime_s))
        self.conversation = Conversation(self.ids.new("conv"))
        self.buffer = InputAudioBuffer(self._input_format)
        self.vad: EnergyVad | None = None
        self._vad_origin_ms = 0.0
        self._speech_item: str | None = None
        self._speech_start_ms = 0
        self._configure_vad()
        self.active: ResponseRun | None = None
        """The response writing to the default conversation, if any."""
        self.runs: dict[str, ResponseRun] = {}
        """Every response still streaming, out-of-band ones included."""
        self.voice_locked = False
        self.token_budget = token_budget
        self._token_limit = token_budget or 0
        self._audio_turns = 0
        self._heard: dict[str, str] = {}
        self._idle_since: float | None = None
        self._prompt_cache = PromptCache()

    # -- session settings ------------------------------------------------------------------

    @property
    def transcription_only(self) -> bool:
        """Whether this is a transcription session (it transcribes, it never answers)."""
        return isinstance(self.session, TranscriptionSession)

    @property
    def _input(self) -> AudioInput | TranscriptionAudioInput:
        audio = self.session.audio
        value = audio.input if isinstance(audio, (AudioConfig, TranscriptionAudio)) else UNSET
        return value if isinstance(value, (AudioInput, TranscriptionAudioInput)) else AudioInput()

    @property
    def _output(self) -> AudioOutput:
        audio = self.session.audio
        value = audio.output if isinstance(audio, AudioConfig) else UNSET
        return value if isinstance(value, AudioOutput) else AudioOutput()

    @property
    def _input_format(self) -> AudioFormat:
        fmt = self._input.format
        return fmt if not isinstance(fmt, type(UNSET)) else AudioPCM()

    @property
    def _output_format(self) -> AudioFormat:
        fmt = self._output.format
        return fmt if not isinstance(fmt, type(UNSET)) else AudioPCM()

    @property
    def turn_detection(self) -> ServerVad | SemanticVad | None:
        """The session's turn detection (``None``: manual commits)."""
        value = self._input.turn_detection
        return value if isinstance(value, (ServerVad, SemanticVad)) else None

    def _configure_vad(self) -> None:
        detection = self.turn_detection
        if detection is None:
            self.vad = None
            self._speech_item = None
            return
        if isinstance(detection, ServerVad):
            threshold = _or(detection.threshold, 0.5)
            padding = _or(detection.prefix_padding_ms, 300)
            silence = _or(detection.silence_duration_ms, 500)
        else:
            threshold, padding = 0.5, 300
            silence = _SEMANTIC_SILENCE_MS.get(_or(detection.eagerness, "auto"), 500)
        rate = sample_rate(self._input_format)
        if self.vad is not None and self.vad.rate == rate:
            self.vad.configure(threshold=threshold, prefix_padding_ms=padding,
                               silence_duration_ms=silence)
            return
        # A new detector starts its clock at 0: remember where the session's timeline was.
        self._vad_origin_ms = self.buffer.end_ms
        self.vad = EnergyVad(threshold=threshold, prefix_padding_ms=padding,
                             silence_duration_ms=silence, rate=rate)

    # -- entry points ----------------------------------------------------------------------

    def opening(self) -> list[ServerEvent]:
        """The events sent as soon as a client connects.

        GA: ``session.created`` only. The SDK documents a ``conversation.created``
        after it, but no GA capture shows one; the beta dialect keeps it.
        """
        created = SessionCreated(event_id=self.ids.new("event"), session=self.session)
        if self.dialect == "ga":
            return [created]
        return [created, ConversationCreated(
            event_id=self.ids.new("event"), conversation=ConversationInfo(
                id=self.conversation.id, object="realtime.conversation"))]

    def receive(self, frame: str | bytes, *, binary: bool = False) -> Step:
        """Handle one client frame and say what to send back.

        Args:
            frame: the frame's JSON text (``bytes`` are read as UTF-8 text).
            binary: the frame came as a binary WebSocket message, which the service
                refuses whatever it holds (``invalid_event``).
        """
        step = Step()
        event_id: str | None = None
        try:
            if binary:
                raise refuse.binary_frame()
            try:
                event = parse_client_event(frame, self.dialect)
            except (DecodeError, RecursionError, UnicodeDecodeError) as error:
                # The codec's own prefix would repeat what the service's message says.
                raise refuse.malformed_json(
                    str(error).removeprefix("Malformed JSON: ")) from None
            except EventValidationError as error:
                # Off the hot path: read the frame again, leniently, for its event_id.
                raw = _decode(frame)
                candidate = raw.get("event_id")
                event_id = candidate if isinstance(candidate, str) else None
                raise self._refusal_for(error, raw) from None
            event_id = event.event_id if isinstance(event.event_id, str) else None
            self._dispatch(event, step)
        except Refusal as refusal:
            step.events.append(self.error(refusal, event_id))
        step.events = [self.stamp(event) for event in step.events]
        return step

    def _refusal_for(self, error: EventValidationError, raw: dict[str, Any]) -> Refusal:
        """The service's answer to a frame the strict parser refused (protocol.md §5 (i))."""
        kind = raw.get("type")
        if error.param == "type" and error.code == "invalid_value" and isinstance(kind, str):
            return refuse.unknown_event_type(kind, self.dialect)
        if (kind == "input_audio_buffer.append" and error.param == "audio"
                and error.code != "missing_required_parameter"):
            return refuse.invalid_audio()
        if error.param.endswith("format.rate") and error.allowed == (PCM_RATE,):
            rate = _value_at(raw, error.param)
            if isinstance(rate, int) and not isinstance(rate, bool):
                return refuse.rate_out_of_range(error.param, rate, PCM_RATE)
        return refuse.from_validation(error)

    def stamp(self, event: ServerEvent) -> ServerEvent:
        """``event`` with a server ``event_id`` (``event_…``) if it has none yet."""
        if event.event_id:
            return event
        return msgspec.structs.replace(event, event_id=self.ids.new("event"))

    def error(self, refusal: Refusal, event_id: str | None = None) -> ErrorEvent:
        """The ``error`` event for a refusal, linked to the client's ``event_id``."""
        return ErrorEvent(event_id=self.ids.new("event"), error=refusal.linked_to(event_id))

    def _dispatch(self, event: ClientEvent, step: Step) -> None:
        handler = self._HANDLERS[type(event)]
        handler(self, event, step)

    # -- session.update ----------------------------------------------------------------------

    def _on_session_update(self, event: SessionUpdate, step: Step) -> None:
        update = event.session
        current = self.session
        if type(update) is not type(current):
            kinds = {Session: "realtime", TranscriptionSession: "transcription"}
            raise refuse.wrong_session_type(kinds[type(current)], kinds[type(update)])
        if isinstance(update, TranscriptionSession):
            update = msgspec.structs.replace(update, id=UNSET, object=UNSET, expires_at=UNSET)
            self._apply_session(update, step)
            return
        assert isinstance(current, Session) and isinstance(update, Session)
        if isinstance(update.model, str) and update.model != current.model:
            raise refuse.model_locked(str(current.model), update.model)
        new_voice = update.audio.output.voice if (
            isinstance(update.audio, AudioConfig) and isinstance(update.audio.output, AudioOutput)
        ) else UNSET
        if self.voice_locked and new_voice is not UNSET and new_voice != self._output.voice:
            raise refuse.voice_locked()
        if (current.tracing not in (None, UNSET) and update.tracing is not UNSET
                and update.tracing != current.tracing):
            raise refuse.tracing_locked()
        update = msgspec.structs.replace(update, id=UNSET, object=UNSET, expires_at=UNSET)
        self._apply_session(update, step)

    def _apply_session(self, update: Session | TranscriptionSession, step: Step) -> None:
        self.session = merge_session(self.session, update, self.dialect)
        self.buffer.set_format(self._input_format)
        self._configure_vad()
        step.events.append(SessionUpdated(session=self.session))

    # -- input audio ----------------------------------------------------------------------------

    def _on_append(self, event: InputAudioBufferAppend, step: Step) -> None:
        audio = event.audio
        if len(audio) > MAX_APPEND_BYTES:
            raise refuse.audio_too_large(len(audio), MAX_APPEND_BYTES)
        if bytes_per_ms(self._input_format) == 48 and len(audio) % 2:
            raise refuse.invalid_audio()
        if (self.buffer.buffered_ms + len(audio) / self.buffer.bytes_per_ms > MAX_BUFFERED_MS
                and self.vad is not None and self.vad.in_speech):
            # A turn as long as the whole buffer: end it here rather than refuse the
            # audio that would end it (which would wedge the session).
            self.vad.reset()
            self._speech_stopped(self.buffer.end_ms, step)
        if self.buffer.buffered_ms + len(audio) / self.buffer.bytes_per_ms > MAX_BUFFERED_MS:
            raise Refusal(
                f"Input audio buffer is full ({MAX_BUFFERED_MS // 60000} minutes); commit or"
                " clear it before appending more.", code="input_audio_buffer_full",
                param="audio")
        samples = self.buffer.append(audio)
        if self.vad is None:
            return
        for vad_event in self.vad.feed(samples):
            if isinstance(vad_event, SpeechStarted):
                self._speech_started(vad_event.audio_start_ms + self._vad_origin_ms, step)
            else:
                # The service's audio_end_ms includes the silence that ended the turn.
                end = vad_event.audio_end_ms + self.vad.silence_duration_ms + self._vad_origin_ms
                self._speech_stopped(min(end, self.buffer.end_ms), step)
        if self.vad.in_speech:
            self._idle_since = None  # the user is talking: not idle
            return
        if not self._idle_timeout(step):
            # Keep only what a next turn's prefix padding could reach back to.
            self.buffer.drop_before(self.buffer.end_ms - self.vad.prefix_padding_ms - 100)

    def _idle_timeout(self, step: Step) -> bool:
        """Server VAD's ``idle_timeout_ms``: silence for that long after a response ends
        commits the (silent) audio and asks the model to go on, as the service does.

        The mock measures idle time on the appended-audio timeline, not the wall
        clock, so a client that streams its microphone gets the service's behaviour
        and a test stays deterministic.
        """
        detection = self.turn_detection
        timeout = detection.idle_timeout_ms if isinstance(detection, ServerVad) else None
        since = self._idle_since
        if (not isinstance(timeout, int) or since is None or self.active is not None
                or self.transcription_only):
            return False
        if self.buffer.end_ms - since < timeout:
            return False
        self._idle_since = None
        item_id = self.ids.new("item")
        step.events.append(InputAudioBufferTimeoutTriggered(
            audio_start_ms=int(since), audio_end_ms=int(self.buffer.end_ms), item_id=item_id))
        # Only the tail of the silence is still buffered (older audio was let go).
        self._commit(self.buffer.take(max(since, self.buffer.start_ms)), item_id, step)
        step.runs.append(self._start_response(ResponseParams()))
        return True

    def _speech_started(self, start_ms: float, step: Step) -> None:
        start_ms = max(start_ms, self.buffer.start_ms)
        self._speech_item = self.ids.new("item")
        self._speech_start_ms = int(start_ms)
        step.events.append(InputAudioBufferSpeechStarted(
            audio_start_ms=int(start_ms), item_id=self._speech_item))
        detection = self.turn_detection
        if (self.active is not None and detection is not None
                and _or(detection.interrupt_response, True)):
            self.active.cancel("turn_detected")

    def _speech_stopped(self, end_ms: float, step: Step) -> None:
        item_id = self._speech_item or self.ids.new("item")
        self._speech_item = None
        step.events.append(InputAudioBufferSpeechStopped(audio_end_ms=int(end_ms),
                                                         item_id=item_id))
        audio = self.buffer.take(self._speech_start_ms, end_ms)
        self._commit(audio, item_id, step)
        detection = self.turn_detection
        if (detection is None or not _or(detection.create_response, True)
                or self.transcription_only):
            return
        if self.active is None:
            step.runs.append(self._start_response(ResponseParams()))
        elif self.active.cancelling:
            # Barge-in: the interrupted response is still winding down; answer the
            # new turn as soon as it has sent its response.done.
            self.active.then = self._answer_turn

    def _answer_turn(self) -> ResponseRun | None:
        if self.active is not None:
            return None
        try:
            return self._start_response(ResponseParams())
        except Refusal:
            return None

    def _on_commit(self, event: InputAudioBufferCommit, step: Step) -> None:
        if self.buffer.buffered_ms < MIN_COMMIT_MS:
            raise refuse.commit_too_small(self.buffer.buffered_ms)
        item_id = self._speech_item or self.ids.new("item")
        self._speech_item = None
        if self.vad is not None:
            self.vad.reset()
        self._commit(self.buffer.take(), item_id, step)

    def _commit(self, audio: bytes, item_id: str, step: Step) -> None:
        previous = self.conversation.last_id
        step.events.append(InputAudioBufferCommitted(item_id=item_id, previous_item_id=previous))
        item = Message(id=item_id, role="user", status="completed",
                       object="realtime.item" if self.dialect == "beta" else UNSET,
                       content=[InputAudio(audio=base64.b64encode(audio).decode("ascii"),
                                           transcript=None)])
        self._add_item(item, UNSET, step)
        audio_ms = len(audio) / bytes_per_ms(self._input_format)
        transcript = self.script.transcript(self._audio_turns, int(audio_ms))
        transcription = self._input.transcription
        model = transcription.model if isinstance(transcription, InputTranscription) else UNSET
        if isinstance(model, str) or self._audio_turns < len(self.script.transcripts):
            # What the script (or the transcription) says the user said is what the
            # model "hears", whether or not the transcript has arrived yet.
            self._heard[item_id] = transcript
        self._audio_turns += 1
        if not isinstance(model, str):
            return  # nothing is transcribed until a transcription model is set
        plan = TranscriptionPlan(
            item_id=item_id, transcript=transcript, model=model, audio_ms=audio_ms,
            latency_ms=TRANSCRIPTION_LATENCY_MS + self._random.uniform(0.0, 300.0),
            obfuscation=self._obfuscation)
        step.transcriptions.append(TranscriptionRun(plan, self.ids, self._transcribed))

    def _transcribed(self, item_id: str, transcript: str) -> None:
        """Store a finished transcript on its item (if the item is still there)."""
        if item_id in self.conversation:
            stored = self.conversation.get(item_id)
            if isinstance(stored, Message) and isinstance(stored.content[0], InputAudio):
                part = msgspec.structs.replace(stored.content[0], transcript=transcript)
                self.conversation.replace(msgspec.structs.replace(stored, content=[part]))

    def _on_clear(self, event: InputAudioBufferClear, step: Step) -> None:
        self.buffer.clear()
        self._speech_item = None
        if self.vad is not None:
            self.vad.reset()
        step.events.append(InputAudioBufferCleared())

    def _on_output_clear(self, event: OutputAudioBufferClear, step: Step) -> None:
        # WebRTC and SIP only: the service's WebSocket list of event types leaves it
        # out, so it is answered as any type that list lacks (protocol.md §5 (i)).
        raise refuse.unknown_event_type(event.type, self.dialect)

    # -- conversation items --------------------------------------------------------------------

    def _add_item(self, item: Item, previous_item_id: Any, step: Step) -> None:
        self.conversation.insert(item, previous_item_id)
        item_id = getattr(item, "id", "")
        previous = self.conversation.previous_id(item_id)
        step.events.append(item_added(item, previous, self.dialect))
        finished = item_finished(item, previous, self.dialect)
        if finished is not None:
            step.events.append(finished)

    def _on_item_create(self, event: ConversationItemCreate, step: Step) -> None:
        item = event.item
        self.conversation.check_position(event.previous_item_id)
        if isinstance(item, Message) and item.role == "assistant" and any(
                isinstance(part, OutputAudio) for part in item.content):
            raise refuse.assistant_audio_item()
        item_id = getattr(item, "id", UNSET)
        if isinstance(item_id, str) and item_id in self.conversation:
            raise Refusal(f"Item with id '{item_id}' already exists in the conversation.",
                          code="invalid_value", param="item.id")
        changes: dict[str, Any] = {}
        if not isinstance(item_id, str):
            changes["id"] = self.ids.new("item")
        if hasattr(item, "status") and item.status is UNSET:
            changes["status"] = "completed"
        if hasattr(item, "object"):
            changes["object"] = "realtime.item" if self.dialect == "beta" else UNSET
        self._add_item(msgspec.structs.replace(item, **changes), event.previous_item_id, step)

    def _on_item_retrieve(self, event: ConversationItemRetrieve, step: Step) -> None:
        step.events.append(ConversationItemRetrieved(item=self.conversation.get(event.item_id)))

    def _on_item_delete(self, event: ConversationItemDelete, step: Step) -> None:
        self.conversation.delete(event.item_id)
        step.events.append(ConversationItemDeleted(item_id=event.item_id))

    def _on_item_truncate(self, event: ConversationItemTruncate, step: Step) -> None:
        item = self.conversation.get(event.item_id)
        if not (isinstance(item, Message) and item.role == "assistant"):
            raise refuse.truncate_not_audio()
        if not 0 <= event.content_index < len(item.content):
            if not item.content:
                raise refuse.truncate_not_audio()
            raise refuse.bad_content_index(event.content_index, len(item.content))
        part = item.content[event.content_index]
        if not isinstance(part, OutputAudio) or not isinstance(part.audio, str):
            raise refuse.truncate_not_audio()
        audio = base64.b64decode(part.audio)
        per_ms = bytes_per_ms(self._output_format)
        audio_ms = len(audio) / per_ms
        if event.audio_end_ms > audio_ms:
            raise refuse.truncate_too_long(int(audio_ms), event.audio_end_ms)
        keep = int(event.audio_end_ms * per_ms)
        keep -= keep % (2 if per_ms == 48 else 1)
        # The service drops the transcript so no unheard text stays in the context.
        cut = OutputAudio(audio=base64.b64encode(audio[:keep]).decode("ascii"), transcript="")
        content = list(item.content)
        content[event.content_index] = cut
        self.conversation.replace(msgspec.structs.replace(item, content=content))
        step.events.append(ConversationItemTruncated(
            item_id=event.item_id, content_index=event.content_index,
            audio_end_ms=event.audio_end_ms))

    # -- responses -------------------------------------------------------------------------------

    def _on_response_create(self, event: ResponseCreate, step: Step) -> None:
        if self.transcription_only:
            raise Refusal("Responses are not available in a transcription session.",
                          code="invalid_value", param="type")
        params = event.response if isinstance(event.response, ResponseParams) else ResponseParams()
        step.runs.append(self._start_response(params))

    def _on_response_cancel(self, event: ResponseCancel, step: Step) -> None:
        if isinstance(event.response_id, str):
            run = self.runs.get(event.response_id)
        else:
            run = self.active
        if run is None or run.cancelling:
            raise refuse.cancel_not_active()
        run.cancel("client_cancelled")

    def _context(self, params: ResponseParams) -> list[Item]:
        if not isinstance(params.input, list):
            return list(self.conversation)
        items: list[Item] = []
        for index, entry in enumerate(params.input):
            if isinstance(entry, ItemReference):
                items.append(self.conversation.get(entry.id, f"response.input[{index}].id"))
            else:
                items.append(entry)
        known_calls = {i.call_id for i in [*self.conversation, *items]
                       if isinstance(i, FunctionCall)}
        for entry in items:
            if isinstance(entry, FunctionCallOutput) and entry.call_id not in known_calls:
                raise refuse.tool_call_not_found(entry.call_id)
        return items

    def _start_response(self, params: ResponseParams) -> ResponseRun:
        mode = params.conversation if isinstance(params.conversation, str) else "auto"
        if mode not in ("auto", "none"):
            raise Refusal(f"Invalid 'response.conversation': '{mode}'. Supported values are:"
                          " 'auto' and 'none'.", code="invalid_value",
                          param="response.conversation")
        in_band = mode == "auto"
        if in_band and self.active is not None:
            raise refuse.active_response(self.active.id)
        context = self._context(params)
        session = self.session
        assert isinstance(session, Session)  # transcription sessions never get here
        modalities = _pick(params.output_modalities, session.output_modalities, ["audio"])
        audio_params = params.audio.output if not isinstance(params.audio, type(UNSET)) else UNSET
        voice = _pick(getattr(audio_params, "voice", UNSET), self._output.voice, "alloy")
        fmt = _pick(getattr(audio_params, "format", UNSET), self._output_format, AudioPCM())
        tools = _pick(params.tools, session.tools, [])
        choice = _pick(params.tool_choice, session.tool_choice, "auto")
        instructions = _pick(params.instructions, session.instructions, "")
        turn = _turn(context, tools, choice, instructions, self._heard,
                     bytes_per_ms(self._input_format))
        reply = self.script.reply(turn)
        usage = self._prompt_cache.count(
            context, instructions, tools, in_band=in_band,
            input_bytes_per_ms=bytes_per_ms(self._input_format),
            output_bytes_per_ms=bytes_per_ms(self._output_format))
        if self.token_budget is None:
            limit = remaining = RATE_LIMIT_TOKENS
        else:
            limit, remaining = self._token_limit, max(0, self.token_budget)
        temperature = session.temperature if isinstance(session.temperature, float) else None
        metadata = params.metadata if isinstance(params.metadata, dict) else None
        plan = ResponsePlan(
            response_id=self.ids.new("resp"), dialect=self.dialect, reply=reply,
            modality=modalities[0], voice=voice, output_format=fmt,
            max_output_tokens=_pick(params.max_output_tokens, session.max_output_tokens, "inf"),
            metadata=metadata, input_usage=usage,
            conversation=self.conversation if in_band else None,
            conversation_id=self.conversation.id if in_band else None,
            temperature=temperature if self.dialect == "beta" else None,
            latency_ms=250.0 + self._random.uniform(0.0, 150.0),
            rate_limit=(limit, remaining), enforce_rate_limit=self.token_budget is not None,
            on_audio=self._lock_voice if in_band else (lambda: None),
            obfuscation=self._obfuscation,
        )
        run = ResponseRun(plan, self.ids, self._finished)
        self.runs[run.id] = run
        if in_band:
            self.active = run
        return run

    def _lock_voice(self) -> None:
        self.voice_locked = True

    def _finished(self, run: ResponseRun) -> None:
        self.runs.pop(run.id, None)
        if self.active is run:
            self.active = None
            self._idle_since = self.buffer.end_ms
        if self.token_budget is not None:
            self.token_budget -= run.used_tokens

    _HANDLERS: ClassVar[dict[type, Callable[[MockSession, Any, Step], None]]] = {
        SessionUpdate: _on_session_update,
        InputAudioBufferAppend: _on_append,
        InputAudioBufferCommit: _on_commit,
        InputAudioBufferClear: _on_clear,
        OutputAudioBufferClear: _on_output_clear,
        ConversationItemCreate: _on_item_create,
        ConversationItemRetrieve: _on_item_retrieve,
        ConversationItemDelete: _on_item_delete,
        ConversationItemTruncate: _on_item_truncate,
        ResponseCreate: _on_response_create,
        ResponseCancel: _on_response_cancel,
    }


def _decode(frame: str | bytes) -> dict[str, Any]:
    """A frame the parser already read as a JSON object, read again as plain values."""
    value = msgspec.json.decode(frame)
    return value if isinstance(value, dict) else {}


def _value_at(raw: dict[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of object keys in a decoded frame (``None`` if absent)."""
    value: Any = raw
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _or(value: Any, default: Any) -> Any:
    return default if value is UNSET or value is None else value


def _pick(*values: Any) -> Any:
    """The first value that is set (the response's own, then the session's, then a default)."""
    for value in values:
        if value is not UNSET:
            return value
    return None


def _turn(context: list[Item], tools: list[Any], choice: Any, instructions: str,
          heard: dict[str, str], input_bytes_per_ms: int) -> Turn:
    specs = tuple(
        ToolSpec(name=t.name, description=_or(t.description, ""), parameters=_or(t.parameters, {}))
        for t in tools if isinstance(t, FunctionTool)
    )
    tool_choice = choice.name if isinstance(choice, ToolChoiceFunction) else (
        choice if isinstance(choice, str) else "auto")
    tool_output = tool_name = None
    if context and isinstance(context[-1], FunctionCallOutput):
        tool_output = context[-1].output
        calls = {i.call_id: i.name for i in context if isinstance(i, FunctionCall)}
        tool_name = calls.get(context[-1].call_id)
    user_text: str | None = None
    audio_ms = 0
    for item in reversed(context):
        if isinstance(item, Message) and item.role == "user":
            texts = [p.text for p in item.content if isinstance(p, InputText)
                     and isinstance(p.text, str)]
            texts += [p.transcript for p in item.content if isinstance(p, InputAudio)
                      and isinstance(p.transcript, str)]
            if not texts and isinstance(item.id, str) and item.id in heard:
                texts.append(heard[item.id])
            if texts:
                user_text = " ".join(texts)
            else:
                audio_ms = sum(int(len(p.audio) * 3 / 4 / input_bytes_per_ms) for p in item.content
                               if isinstance(p, InputAudio) and isinstance(p.audio, str))
            break
    return Turn(user_text=user_text, user_audio_ms=audio_ms, tool_output=tool_output,
                tool_name=tool_name, tools=specs, tool_choice=tool_choice,
                instructions=instructions)
