"""The items of a :class:`~realtime_nb.state.conversation.Conversation` as they build up.

An :class:`Item` is one conversation item seen from the client: a message, a
function call or its output, kept current by the server's events (the item
events, the deltas, the ``.done`` events) in whatever order they come. Each
message part keeps what its deltas brought and, once a ``.done`` event or a
finished item carries it, the final value, which wins: a delta that arrives
after the final value changes nothing, so the end state does not depend on how
the events interleaved.

Audio is kept as the base64 chunks the wire carried and decoded only when
:attr:`Item.audio` is read, so following a spoken response costs one list
append per delta.

>>> item = Item("item_1")
>>> item.part(0, "output_text").text_chunks.append("Hel")
>>> item.part(0, "output_text").text_chunks.append("lo")
>>> item.text
'Hello'
>>> item.part(0, "output_text").final_text = "Hello!"  # response.output_text.done
>>> item.text
'Hello!'
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from msgspec import UNSET

from ..audio.clip import Audio
from ..audio.formats import bytes_per_ms, format_type, sample_width
from ..wire.base import WireModel
from ..wire.reprs import DEFAULT_AUDIO_FORMAT, short_repr

__all__ = ["Item", "Part", "TEXT_KINDS", "AUDIO_KINDS", "decode_audio", "format_of"]

TEXT_KINDS = frozenset({"input_text", "output_text"})
"""Content part types whose words are :attr:`Item.text`."""

AUDIO_KINDS = frozenset({"input_audio", "output_audio"})
"""Content part types that carry audio and a transcript (:attr:`Item.transcript`)."""

_FINAL_STATUSES = frozenset({"completed", "incomplete"})

def format_of(value: Any) -> str | None:
    """The GA format ``type`` of an audio format model (``AudioPCM()`` -> ``"audio/pcm"``),
    ``None`` for anything else (the event did not say: keep what is known)."""
    return format_type(value) if isinstance(value, WireModel) else None


def decode_audio(chunks: Sequence[str | bytes], audio_format: str, start_ms: float = 0.0,
                 end_ms: float | None = None) -> Audio:
    """``chunks`` of ``audio_format`` (base64 text as received, or bytes as appended) as a
    PCM16 clip, cut to ``[start_ms, end_ms)``.

    G.711 decodes to PCM16 at 8 kHz; PCM16 stays at 24 kHz (:meth:`Audio.from_wire`).

    >>> decode_audio([base64.b64encode(bytes(4800)).decode()], "audio/pcm", end_ms=50)
    Audio(50 ms, 24 kHz)
    """
    data = b"".join(base64.b64decode(chunk) if isinstance(chunk, str) else chunk
                    for chunk in chunks)
    per_ms = bytes_per_ms(audio_format)
    width = sample_width(audio_format)
    start = max(0, int(start_ms * per_ms))
    start -= start % width
    end = len(data) if end_ms is None else max(start, int(end_ms * per_ms))
    data = data[start:end]
    return Audio.from_wire(data[: len(data) - len(data) % width], audio_format)


def base64_length(text: str) -> int:
    """How many bytes base64 ``text`` decodes to, without decoding it.

    >>> base64_length("AAAA"), base64_length("AA==")
    (3, 1)
    """
    return len(text) // 4 * 3 - (text[-2:].count("=") if text else 0)


class Part:
    """One content part of a message: its text or its audio and transcript.

    Attributes:
        kind: the GA part type (``input_text``, ``input_audio``, ``output_text``,
            ``output_audio``, ``input_image``...), ``""`` until an event says.
        text_chunks, transcript_chunks: what the deltas brought, in arrival order.
        final_text, final_transcript: the whole value from a ``.done`` event or a
            finished item (``None`` until one came); it wins over the chunks.
        audio_chunks: the audio: base64 text as received, or bytes as appended (user audio).
        audio_bytes: how many bytes those chunks hold.
        audio_format: the GA format ``type`` of the audio.
        start_ms, end_ms: the span of the chunks that is the part's audio (a voice
            activity turn starts inside what was appended; a truncation ends it).
        truncated: ``conversation.item.truncated`` cut it: the transcript is gone
            and later transcript events are ignored, as the service drops it.
    """

    __slots__ = ("audio_bytes", "audio_chunks", "audio_format", "end_ms", "final_text",
                 "final_transcript", "kind", "start_ms", "text_chunks", "transcript_chunks",
                 "truncated")

    def __init__(self, kind: str = "", audio_format: str = DEFAULT_AUDIO_FORMAT) -> None:
        self.kind = kind
        self.text_chunks: list[str] = []
        self.final_text: str | None = None
        self.transcript_chunks: list[str] = []
        self.final_transcript: str | None = None
        self.audio_chunks: list[str | bytes] = []
        self.audio_bytes = 0
        self.audio_format = audio_format
        self.start_ms = 0.0
        self.end_ms: float | None = None
        self.truncated = False

    @property
    def text(self) -> str:
        """The part's text: the final value if known, else the deltas so far."""
        final = self.final_text
        return final if final is not None else "".join(self.text_chunks)

    @property
    def transcript(self) -> str:
        """The transcript of the part's audio, final if known, else the deltas so far."""
        final = self.final_transcript
        return final if final is not None else "".join(self.transcript_chunks)

    @property
    def audio_ms(self) -> float:
        """How long the part's audio lasts, in ms (after any cut)."""
        total = self.audio_bytes / bytes_per_ms(self.audio_format)
        end = total if self.end_ms is None else min(total, self.end_ms)
        return max(0.0, end - self.start_ms)

    def set_text(self, value: Any) -> None:
        """Take ``value`` as the final text if it is a string."""
        if isinstance(value, str):
            self.final_text = value

    def set_transcript(self, value: Any) -> None:
        """Take ``value`` as the final transcript, unless a truncation dropped it."""
        if isinstance(value, str) and not self.truncated:
            self.final_transcript = value

    def set_audio(self, value: Any) -> None:
        """Take base64 ``value`` as the whole audio (``conversation.item.retrieved``): the
        server's copy, already cut if it was truncated."""
        if isinstance(value, str):
            self.audio_chunks = [value]
            self.audio_bytes = base64_length(value)
            self.start_ms = 0.0
            self.end_ms = None

    def truncate(self, audio_end_ms: int) -> None:
        """Cut the audio at ``audio_end_ms`` and drop the transcript, as the service does."""
        self.end_ms = self.start_ms + audio_end_ms
        self.final_transcript = ""
        self.truncated = True

    def audio(self) -> Audio | None:
        """The part's audio as a clip, or ``None`` if it has none."""
        if not self.audio_chunks:
            return None
        return decode_audio(self.audio_chunks, self.audio_format, self.start_ms, self.end_ms)


class Item:
    """A conversation item as the client saw it build up.

    Attributes:
        id: the item's id.
        type: ``message``, ``function_call``, ``function_call_output``, an MCP
            type, or ``""`` while only deltas named it.
        role: ``user``, ``assistant`` or ``system`` for messages, else ``None``.
        status: ``in_progress``, ``completed`` or ``incomplete`` (``None`` if never said).
        call_id, name, arguments: for function calls (``arguments`` is JSON text).
        response_id: the response that produced it, if one did.
        parts: the content parts of a message, by ``content_index``.
        placeholder: created for an event naming an item not seen before (the
            ``Conversation`` counts these in ``orphans``); filled in if the item
            shows up later.
        deleted: ``conversation.item.deleted`` removed it.
        transcription_error: why input transcription failed, if it did.
    """

    __slots__ = ("_outputs", "arguments_chunks", "call_id", "deleted", "final_arguments",
                 "final_output", "id", "name", "parts", "placeholder", "response",
                 "response_id", "role", "status", "transcription_error", "type")

    def __init__(self, item_id: str, type: str = "", *, placeholder: bool = False,
                 outputs: dict[str, Item] | None = None) -> None:
        self.id = item_id
        self.type = type
        self.role: str | None = None
        self.status: str | None = None
        self.call_id: str | None = None
        self.name: str | None = None
        self.arguments_chunks: list[str] = []
        self.final_arguments: str | None = None
        self.final_output: str | None = None
        self.response_id: str | None = None
        self.response: Any = None  # the Conversation's record of that response, once known
        self.parts: list[Part | None] = []
        self.placeholder = placeholder
        self.deleted = False
        self.transcription_error: Any = None
        # Shared with the Conversation: function_call_output items by call_id.
        self._outputs: dict[str, Item] = outputs if outputs is not None else {}

    # -- what a notebook reads -------------------------------------------------------------

    @property
    def text(self) -> str:
        """The text of the item's text parts (user, system and text-mode assistant words)."""
        return "".join(p.text for p in self.parts if p is not None and p.kind in TEXT_KINDS)

    @property
    def transcript(self) -> str:
        """The transcript of the item's audio parts (assistant speech; user speech once
        input transcription ran; empty after a truncation)."""
        return "".join(p.transcript for p in self.parts
                       if p is not None and p.kind in AUDIO_KINDS)

    @property
    def audio(self) -> Audio | None:
        """The item's audio so far as an :class:`~realtime_nb.Audio` clip (24 kHz PCM16; 8 kHz
        for G.711), cut where a truncation cut it; ``None`` if it has none."""
        clips = [clip for p in self.parts if p is not None
                 for clip in (p.audio(),) if clip is not None]
        if not clips:
            return None
        audio = clips[0]
        for clip in clips[1:]:
            audio = audio + clip if clip.rate == audio.rate else audio
        return audio

    @property
    def audio_ms(self) -> float:
        """How much audio the item holds, in ms, without decoding it."""
        return sum(p.audio_ms for p in self.parts if p is not None)

    @property
    def arguments(self) -> str | None:
        """A function call's arguments (JSON text), whole or as far as they arrived."""
        if self.final_arguments is not None:
            return self.final_arguments
        return "".join(self.arguments_chunks) if self.arguments_chunks else None

    @property
    def output(self) -> str | None:
        """A function call output's text; for a function call, the output given back for
        it (linked by ``call_id``), or ``None`` while there is none."""
        if self.type == "function_call" and self.call_id is not None:
            answer = self._outputs.get(self.call_id)
            return answer.final_output if answer is not None else None
        return self.final_output

    @property
    def truncated(self) -> bool:
        """Whether ``conversation.item.truncated`` cut the item's audio."""
        return any(p is not None and p.truncated for p in self.parts)

    # -- what events change ----------------------------------------------------------------

    def part(self, index: int, kind: str) -> Part:
        """The part at ``content_index`` ``index``, made (of ``kind``) if it does not exist."""
        parts = self.parts
        if index < len(parts):
            found = parts[index]
            if found is not None:
                if not found.kind:
                    found.kind = kind
                return found
        elif index >= 0:
            parts.extend([None] * (index + 1 - len(parts)))
        else:
            index = 0
            if not parts:
                parts.append(None)
        made = Part(kind)
        parts[index] = made
        return made

    def set_status(self, status: Any) -> None:
        """Take ``status``, never moving a finished item back to ``in_progress``."""
        if isinstance(status, str) and not (status == "in_progress"
                                            and self.status in _FINAL_STATUSES):
            self.status = status

    def update(self, wire: Any, audio_format: str) -> None:
        """Merge a wire item (from an item event, ``response.done`` or a retrieval).

        Fields the wire item sets are taken; content values are taken as final
        only from a finished item (an ``in_progress`` one carries empty values
        that the deltas will fill).
        """
        self.placeholder = False
        tag = wire.__struct_config__.tag
        if isinstance(tag, str):
            self.type = tag
        status = getattr(wire, "status", UNSET)
        self.set_status(status)
        final = status is UNSET or status in _FINAL_STATUSES
        for name in ("role", "call_id", "name"):
            value = getattr(wire, name, UNSET)
            if isinstance(value, str):
                setattr(self, name, value)
        arguments = getattr(wire, "arguments", UNSET)
        if isinstance(arguments, str) and (final or arguments):
            self.final_arguments = arguments
        output = getattr(wire, "output", UNSET)
        if isinstance(output, str):
            self.final_output = output
            if self.type == "function_call_output" and self.call_id is not None:
                self._outputs[self.call_id] = self
        for index, content in enumerate(getattr(wire, "content", ())):
            kind = content.__struct_config__.tag
            part = self.part(index, kind if isinstance(kind, str) else "")
            if kind in AUDIO_KINDS and part.audio_bytes == 0:
                part.audio_format = audio_format
            text = getattr(content, "text", UNSET)
            transcript = getattr(content, "transcript", UNSET)
            if final or text:
                part.set_text(text)
            if final or transcript:
                part.set_transcript(transcript)
            part.set_audio(getattr(content, "audio", UNSET))

    # -- display ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        shown = [self.id, self.type or "?"]
        shown += [value for value in (self.role, self.status) if value]
        if self.type in ("function_call", "function_call_output"):
            shown += [f"{self.name or ''}({short_repr(self.arguments or '')})".lstrip()
                      if self.type == "function_call" else "", f"call_id={self.call_id}"]
            if self.output is not None:
                shown.append(f"output={short_repr(self.output)}")
        words = self.text
        if words:
            shown.append(f"text={_brief(words)}")
        spoken = self.transcript
        if spoken:
            shown.append(f"transcript={_brief(spoken)}")
        if self.audio_ms:
            shown.append(f"audio={self.audio_ms:,.0f} ms")
        if self.truncated:
            shown.append("truncated")
        if self.deleted:
            shown.append("deleted")
        return f"Item({', '.join(s for s in shown if s)})"


def _brief(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
