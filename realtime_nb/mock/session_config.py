"""The mock's session configuration: the defaults a new session starts with, and how
``session.update`` merges into it.

The real service answers ``session.update`` with the *full* effective session,
changing only the fields the update names; nested audio settings merge field by
field, while a union value (a turn-detection mode, a format, the tool list) is
replaced whole. Defaults follow the GA capture in protocol.md §4.1.1; a beta
connection gets the beta defaults (§4.1.2), which have no GA-only fields such as
``truncation`` or ``prompt``. A transcription session (``?intent=transcription``)
opens as the live one does [llmgw probe 7]: no transcription model (so nothing is
transcribed until one is set) and server VAD reported with only ``threshold``,
``prefix_padding_ms`` and ``silence_duration_ms``.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from ..wire import (
    UNSET,
    AnySession,
    AudioConfig,
    AudioInput,
    AudioOutput,
    AudioPCM,
    Dialect,
    SemanticVad,
    ServerVad,
    Session,
    TranscriptionAudio,
    TranscriptionAudioInput,
    TranscriptionSession,
)

__all__ = [
    "DEFAULT_INSTRUCTIONS",
    "SESSION_LIFETIME_S",
    "default_session",
    "default_transcription_session",
    "merge_session",
    "with_turn_detection_defaults",
    "SessionKind",
]

DEFAULT_INSTRUCTIONS = (
    "You are a helpful, friendly voice assistant running on a local mock server. "
    "Answer briefly and clearly."
)
"""The instructions a new mock session starts with (the real service also has a default)."""

SESSION_LIFETIME_S = 60 * 60
"""Seconds until ``expires_at``: 60 minutes, the GA session limit (protocol.md §6)."""

_SERVER_VAD_DEFAULTS = ServerVad(
    threshold=0.5, prefix_padding_ms=300, silence_duration_ms=200, idle_timeout_ms=None,
    create_response=True, interrupt_response=True,
)
_BETA_SERVER_VAD_DEFAULTS = msgspec.structs.replace(_SERVER_VAD_DEFAULTS, idle_timeout_ms=UNSET)
_SEMANTIC_VAD_DEFAULTS = SemanticVad(eagerness="auto", create_response=True,
                                     interrupt_response=True)

SessionKind = Literal["ga", "beta", "transcription"]
"""Whose defaults apply: a GA or beta realtime session, or a (GA) transcription session."""

# A transcription session never answers, so its VAD has no response settings; the live
# service reports only these three fields [llmgw probe 7].
_VAD_DEFAULTS: dict[SessionKind, tuple[ServerVad, SemanticVad]] = {
    "ga": (_SERVER_VAD_DEFAULTS, _SEMANTIC_VAD_DEFAULTS),
    "beta": (_BETA_SERVER_VAD_DEFAULTS, _SEMANTIC_VAD_DEFAULTS),
    "transcription": (ServerVad(threshold=0.5, prefix_padding_ms=300, silence_duration_ms=200),
                      SemanticVad(eagerness="auto")),
}

# Structs that session.update merges field by field; everything else is replaced whole.
_MERGED = (Session, AudioConfig, AudioInput, AudioOutput,
           TranscriptionSession, TranscriptionAudio, TranscriptionAudioInput)


def default_session(dialect: Dialect, *, model: str, session_id: str, now: int,
                    lifetime_s: int = SESSION_LIFETIME_S) -> Session:
    """The session a new connection starts with, as ``session.created`` reports it.

    Args:
        dialect: ``"beta"`` leaves out the fields beta cannot express and adds
            ``temperature``.
        model: the model named in the connection URL.
        session_id: the ``sess_…`` id.
        now: the current time in epoch seconds (for ``expires_at``).
        lifetime_s: how long the session may last.
    """
    vad = _SERVER_VAD_DEFAULTS if dialect == "ga" else _BETA_SERVER_VAD_DEFAULTS
    audio = AudioConfig(
        input=AudioInput(format=AudioPCM(), transcription=None, noise_reduction=None,
                         turn_detection=vad),
        output=AudioOutput(format=AudioPCM(), voice="alloy", speed=1.0),
    )
    common: dict[str, Any] = dict(
        id=session_id, object="realtime.session", expires_at=now + lifetime_s,
        model=model, output_modalities=["audio"], instructions=DEFAULT_INSTRUCTIONS,
        audio=audio, tools=[], tool_choice="auto", max_output_tokens="inf", tracing=None,
    )
    if dialect == "beta":
        return Session(**common, temperature=0.8)
    return Session(**common, truncation="auto", prompt=None, include=None)


def default_transcription_session(*, session_id: str, now: int,
                                  lifetime_s: int = SESSION_LIFETIME_S) -> TranscriptionSession:
    """The session of a GA transcription connection (``?intent=transcription``).

    As the live service opens it: no transcription model yet (``transcription:
    null``; audio is committed but transcribed only once the client sets one) and
    server VAD committing turns.
    """
    return TranscriptionSession(
        id=session_id, object="realtime.transcription_session", expires_at=now + lifetime_s,
        audio=TranscriptionAudio(input=TranscriptionAudioInput(
            format=AudioPCM(), transcription=None, noise_reduction=None,
            turn_detection=_VAD_DEFAULTS["transcription"][0])),
        include=None,
    )


def with_turn_detection_defaults(value: Any, kind: SessionKind = "ga") -> Any:
    """A turn-detection value with the fields the client left out filled in.

    The service reports every VAD field of the session's kind once a mode is
    chosen; ``None`` (manual turns) stays ``None``.
    """
    server, semantic = _VAD_DEFAULTS[kind]
    if isinstance(value, ServerVad):
        return _fill(value, server)
    if isinstance(value, SemanticVad):
        return _fill(value, semantic)
    return value


def _fill(value: msgspec.Struct, defaults: msgspec.Struct) -> Any:
    changes = {
        name: getattr(defaults, name)
        for name in value.__struct_fields__
        if getattr(value, name) is UNSET and getattr(defaults, name) is not UNSET
    }
    return msgspec.structs.replace(value, **changes) if changes else value


def merge_session(current: AnySession, update: AnySession,
                  dialect: Dialect = "ga") -> AnySession:
    """``current`` with the fields set in ``update`` applied, as ``session.update`` does.

    >>> base = default_session("ga", model="gpt-realtime", session_id="sess_1", now=0)
    >>> new = merge_session(base, Session(audio=AudioConfig(output=AudioOutput(voice="marin"))))
    >>> new.audio.output.voice, new.audio.output.speed, new.instructions == base.instructions
    ('marin', 1.0, True)
    """
    merged: AnySession = _merge(current, update)
    audio = merged.audio
    if isinstance(audio, (AudioConfig, TranscriptionAudio)) and isinstance(
            audio.input, (AudioInput, TranscriptionAudioInput)):
        kind: SessionKind = "transcription" if isinstance(merged, TranscriptionSession) else (
            dialect)
        detection = with_turn_detection_defaults(audio.input.turn_detection, kind)
        if detection is not audio.input.turn_detection:
            merged = msgspec.structs.replace(merged, audio=msgspec.structs.replace(
                audio, input=msgspec.structs.replace(audio.input, turn_detection=detection)))
    return merged


def _merge(current: Any, update: Any) -> Any:
    if not (isinstance(update, _MERGED) and type(current) is type(update)):
        return update
    changes = {}
    for name in update.__struct_fields__:
        new = getattr(update, name)
        if new is not UNSET:
            changes[name] = _merge(getattr(current, name), new)
    return msgspec.structs.replace(current, **changes) if changes else current
