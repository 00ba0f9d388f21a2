"""The mock Realtime server: the embedded default that answers like the real service.

Everything in realtime_nb runs against it with no API key and no network. It
speaks GA, as today's service does (a beta handshake is refused unless
``legacy_beta`` asks for the retired beta dialect), keeps a real conversation,
detects speech in appended audio, streams text, audio and function calls in the
service's event order, transcribes the user's audio beside the response,
serves transcription-only sessions (GA ``?intent=transcription``), and answers
bad input with the service's ``error`` events.

* :class:`MockServer`: ``async with MockServer() as server: server.url``, or
  :meth:`MockServer.start_in_background` from synchronous code.
* :class:`MockSession`: one connection's protocol state without any I/O.
* :class:`Script` and :class:`Rule`: decide what the mock says.
* :class:`Faults`: drop, delay, stall, inject errors, exhaust rate limits.

From a shell: ``python -m realtime_nb.mock --port 8765 --pace realtime``.

What it copies from the live capture of 2026-09-18 (protocol.md §5, [llmgw]): a
GA session opens with ``session.created`` alone; an item ends with
``conversation.item.done`` *before* ``response.output_item.done``, then
``response.done``, then ``rate_limits.updated`` (40 ms later at real-time pace);
every text, audio-transcript and input-transcription delta carries an
``obfuscation`` string; the user's transcript comes about a second after the
commit, after ``response.created``; a transcription session opens with no
transcription model and no ``rate_limits.updated`` ever; unknown event types,
non-JSON text, binary frames and a 16 kHz rate are refused in the service's words.

Differences that remain, and why:

* **Timing.** Only ``--pace realtime`` waits at all, and its waits are the mock's
  estimates of the service's own share of the capture's times (each of which
  includes a round trip of about 260 ms): ``response.created`` at once, the
  first delta 250-400 ms later (live about 220 ms); text deltas 25 ms apart
  (live: a burst, about 7 ms apart), so a reply can be read as it streams; the
  user's transcript 0.9-1.2 s after the commit (live about 0.93 s). ``--pace
  fast`` keeps each stream's order and sends everything at once, for tests.
* **Deltas are words, not tokens**, and what they say comes from the
  :class:`Script` (or an echo of the user's words): there is no model. The
  transcript of user audio is the script's, or "(N seconds of speech)": there
  is no speech recognition either.
* **``obfuscation``** is 0-16 random letters and digits (seeded). How the service
  picks its lengths is unknown (its two captured strings padded delta and
  padding to 16 characters together). Audio and function-call argument deltas
  carry none: no capture shows one there. Beta deltas carry none, as in the beta
  captures.
* **``rate_limits.updated``** reports one ``tokens`` limit of 40,000 (the value of a
  GA capture, [S-ga-cap]) and what this connection used; the live account of the
  2026 capture had 15,000,000 and reset in 1 ms. Limits depend on the account.
* **The unknown-type error lists the service's twelve types**, including
  ``session.close`` and ``session.input_audio_buffer.append``, which neither the
  SDK nor the mock models: sent to the mock, they get that same error.
  ``output_audio_buffer.clear`` (WebRTC and SIP only, and not in the service's
  WebSocket list) gets it too. A ``type`` that is not a string, and every beta
  wording, are the mock's own (never captured).
* **Error details the capture cut short:** after "Invalid event: failed to parse
  JSON value." the mock quotes its own parser; the rate error's sentence around
  "Expected a value >= 24000" is OpenAI's usual one; a rate above 24000 gets
  ``integer_above_max_value`` (the mock's guess; only 16 kHz was tried live).
  Errors the capture did not provoke are listed in :mod:`.service_errors`.
* **Transcription.** Transcription settings without a ``model`` transcribe
  nothing (what the service does with them was not captured). ``whisper-1``
  sends one delta (the whole transcript), as the SDK documents, not captured.
  No ``logprobs`` (even with ``include``), no ``languages``, no diarized
  ``segment`` events, and ``…transcription.failed`` is never sent. A
  transcription session's ``session.updated`` leaves out the ``language: null``
  and ``prompt: null`` the service adds to the transcription settings (the wire
  model has no null for them). Beta transcription sessions
  (``transcription_session.update``) are not modelled.
* **The handshake's HTTP headers** are the mock's (no Cloudflare headers or
  cookie, ``server: realtime_nb-mock``) and it offers no ``permessage-deflate``:
  nothing in them is the protocol's, and compression would cost a local server
  more than it saves.
* **Defaults that are the service's own business** (the default
  ``instructions``, token counts, the prompt cache) are estimates in the
  service's shape, not its numbers.
"""

from .responder import Reply, Rule, Script, ToolCall, ToolSpec, Turn, default_reply
from .server import (
    MAX_FRAME_BYTES,
    BackgroundMockServer,
    Faults,
    MockServer,
    Pace,
)
from .session import MockSession, Step

__all__ = [
    "MockServer",
    "BackgroundMockServer",
    "Faults",
    "Pace",
    "MAX_FRAME_BYTES",
    "MockSession",
    "Step",
    "Script",
    "Rule",
    "Reply",
    "ToolCall",
    "ToolSpec",
    "Turn",
    "default_reply",
]
