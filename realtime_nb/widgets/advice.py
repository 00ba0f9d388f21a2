"""What the service would say to a client event right now, said under its form before sending.

The forms check an event's shape; these are the refusals that depend on the
session's state, which users meet most (see ``../shared/research/users.md``):
a second ``response.create`` while one is active, a cancel with nothing to
cancel, a commit of under 100 ms, a new voice once the model has spoken, and
``output_audio_buffer.clear``, which a WebSocket session does not take. Each is
one function of the state the session keeps (``session.conversation``,
``session.playback``); the form shows the sentence and still lets you send, so
that a class can see the error come back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..connection.session import RealtimeSession

__all__ = ["ADVICE", "advise"]

MIN_COMMIT_MS = 100
"""The least audio the service commits (``input_audio_buffer_commit_empty`` below it)."""


def _response_create(session: RealtimeSession) -> str:
    active = session.conversation.active_response
    if active is None:
        return ""
    return (f"Response {active} is in progress: the service refuses a second one "
            "(conversation_already_has_active_response), and the panel does not send it. "
            "Cancel it first (response.cancel), or ask for an out-of-band response "
            '(response.conversation "none").')


def _response_cancel(session: RealtimeSession) -> str:
    if session.conversation.active_response is not None:
        return ""
    return ("No response is in progress: a cancel now gets the error "
            "response_cancel_not_active.")


def _commit(session: RealtimeSession) -> str:
    held = session.conversation.input_audio_ms
    if held >= MIN_COMMIT_MS:
        return ""
    return (f"The input buffer holds {held:,.0f} ms: the service refuses a commit under "
            f"{MIN_COMMIT_MS} ms (input_audio_buffer_commit_empty).")


def _session_update(session: RealtimeSession) -> str:
    spoken = any(item.role == "assistant" and item.audio_ms > 0
                 for item in session.conversation.items)
    if not spoken:
        return ""
    return ("The model has spoken in this session: the service refuses a new voice now "
            "(cannot_update_voice); everything else may change.")


def _truncate(session: RealtimeSession) -> str:
    plan = session.playback.plan_interrupt()
    if plan.item_id is None:
        return ("No assistant audio is playing: truncate cuts an assistant audio item at "
                "what was heard (audio_end_ms, at most the audio received).")
    return (f"{plan.item_id}: {plan.played_ms:,.0f} ms played of {plan.received_ms:,.0f} ms "
            "received; audio_end_ms may not exceed what was received.")


def _output_clear(session: RealtimeSession) -> str:
    if session.target.kind not in ("openai", "azure", "mock"):
        return ""
    return ("WebRTC and SIP only: over a WebSocket the service answers with an "
            "invalid_value error (playback is the client's here: use Interrupt).")


ADVICE: dict[str, Callable[[RealtimeSession], str]] = {
    "response.create": _response_create,
    "response.cancel": _response_cancel,
    "input_audio_buffer.commit": _commit,
    "session.update": _session_update,
    "conversation.item.truncate": _truncate,
    "output_audio_buffer.clear": _output_clear,
}
"""For each client event type whose fate depends on the session's state: what to say."""


def advise(event_type: str, session: RealtimeSession | None) -> str:
    """The sentence to show under ``event_type``'s form now (``""``: nothing to say).

    >>> advise("response.create", None)
    ''
    """
    if session is None or event_type not in ADVICE:
        return ""
    return ADVICE[event_type](session)
