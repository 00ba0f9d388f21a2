"""Benchmark: realtime_nb's wire codec against the OpenAI Python SDK and bare ``json``.

Two hot paths of a Realtime session are measured, each on one fixed, deterministic
workload that every contender processes in full:

1. **Decoding server events.** ``--events`` GA server frames as ``str`` (what a
   WebSocket delivers): 70 % ``response.output_audio.delta`` carrying 4096 bytes of
   speech-like PCM16 in base64, 20 % short text deltas
   (``response.output_audio_transcript.delta`` / ``response.output_text.delta``) and
   10 % other events (``response.created``, ``response.done`` with usage,
   ``conversation.item.added``, ``rate_limits.updated``, VAD events ...), shaped as in
   ``/work/shared/protocol.md`` §3.1, §4.4 and §5, then shuffled with a fixed seed.

   * ours: ``realtime_nb.parse_server_event(frame)``;
   * SDK: what ``RealtimeConnection.recv()`` / ``parse_event()`` in
     ``openai/resources/realtime/realtime.py`` really does per message:
     ``construct_type_unchecked(value=json.loads(frame), type_=RealtimeServerEvent)``
     (pydantic models built *without* validation);
   * SDK strict (for information): ``TypeAdapter(RealtimeServerEvent).validate_json``,
     i.e. what a validating pydantic parse of the same frame costs;
   * raw limit: ``json.loads(frame)`` (a dict, no types at all).

   Before timing, every frame is checked to parse into a typed event on our side
   (never ``UnknownServerEvent``), to pass the SDK's strict validation, and to
   construct into the same SDK class, so every contender does valid work.

2. **Encoding ``input_audio_buffer.append``.** ``--events`` appends, each from 4096
   bytes of PCM16 (a rotating pool of distinct chunks), into the JSON text of one
   WebSocket frame. Every contender includes the base64 encoding.

   * ours: ``realtime_nb.append_audio(pcm).to_json()``;
   * SDK: the model path of ``RealtimeConnection.send()``:
     ``InputAudioBufferAppendEvent(type=..., audio=b64).to_json(use_api_names=True,
     exclude_unset=True)`` (note: the SDK's ``to_json`` defaults to ``indent=2``, so
     this is exactly the text the SDK puts on the wire);
   * SDK helper (for information): ``connection.input_audio_buffer.append(audio=b64)``,
     which sends a TypedDict through ``json.dumps(maybe_transform(...))``;
   * raw limit: ``json.dumps({"type": ..., "audio": b64})``.

   All contenders are checked to produce JSON that decodes to the same dict.

Each contender's time is the best of ``--repeat`` runs over the whole workload
(``time.perf_counter``, garbage collector left on, a ``gc.collect()`` before each
run, results discarded as a client loop would after handling them). The targets:
the SDK path should take at least 5x our time, and ours should take no more than
the bare ``json`` module. Misses are reported, the exit status is 0 either way.

Run: ``.venv/bin/python benchmarks/codec.py [--events N] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import platform
import random
import string
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, Union, cast

import msgspec
import numpy as np
import openai
import pydantic
from openai._models import construct_type_unchecked
from openai._types import omit
from openai._utils import maybe_transform, strip_not_given
from openai.types.realtime.input_audio_buffer_append_event import InputAudioBufferAppendEvent
from openai.types.realtime.realtime_client_event_param import RealtimeClientEventParam
from openai.types.realtime.realtime_server_event import RealtimeServerEvent
from openai.types.realtime.response_create_event_with_references_param import (
    ResponseCreateEventWithReferencesParam,
)

import realtime_nb
from realtime_nb import codec as rt_codec

SEED = 20240917
CHUNK_BYTES = 4096  # 2048 PCM16 samples = 85.3 ms at 24 kHz
SAMPLE_RATE = 24_000
POOL_SIZE = 256  # distinct audio chunks, rotated
SPEEDUP_TARGET = 5.0
RAW_RATIO_TARGET = 1.0

_ID_ALPHABET = string.ascii_letters + string.digits
# The SDK spells it with typing.Union, and maybe_transform walks that exact object.
_SDK_SEND_TYPE = cast(
    Any, Union[RealtimeClientEventParam, ResponseCreateEventWithReferencesParam]  # noqa: UP007
)


# --------------------------------------------------------------------------- workload


def speech_like_pcm(n_chunks: int, seed: int) -> list[bytes]:
    """``n_chunks`` consecutive 4096-byte chunks of a voice-like int16 signal.

    A gliding glottal pitch (90-220 Hz, vibrato) with ten harmonics shaped by two
    formants, a ~4 Hz syllable envelope with pauses, and a little noise: not zeros,
    not a pure tone, so base64 output looks like real audio.
    """
    rng = np.random.default_rng(seed)
    n = n_chunks * CHUNK_BYTES // 2
    t = np.arange(n) / SAMPLE_RATE
    f0 = 150 + 50 * np.sin(2 * np.pi * 0.31 * t) + 8 * np.sin(2 * np.pi * 5.5 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    voice = np.zeros(n)
    for k in range(1, 11):
        freq = k * 150.0
        formants = (np.exp(-(((freq - 700) / 300) ** 2))
                    + 0.6 * np.exp(-(((freq - 1200) / 400) ** 2)))
        voice += (0.15 + formants) / k * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    syllables = np.clip(np.sin(2 * np.pi * 4.1 * t + 1.3 * np.sin(2 * np.pi * 0.7 * t)), 0, None)
    pauses = (np.sin(2 * np.pi * 0.23 * t) > -0.6).astype(float)
    signal = voice * syllables**0.7 * pauses + 0.02 * rng.standard_normal(n)
    signal *= 0.3 / np.max(np.abs(signal))  # peaks near -10 dBFS
    pcm = (signal * 32767).astype("<i2").tobytes()
    return [pcm[i : i + CHUNK_BYTES] for i in range(0, len(pcm), CHUNK_BYTES)]


class _Ids:
    """Server-style ids (``event_`` + 21 characters), deterministic."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def new(self, prefix: str) -> str:
        return prefix + "".join(self._rng.choices(_ID_ALPHABET, k=21))


_TEXT_DELTAS = [
    "Hello", " there", "!", " I", "'m", " happy", " to", " help", ".", " The", " weather",
    " in", " Paris", " today", " is", " sunny", ",", " around", " 21", "°C", " —", " perfect",
    " for", " a", " walk", " along", " the", " Seine", " café", " Sure", " thing", "?",
]
_TRANSCRIPTS = [
    "Hello there! I'm happy to help.",
    "The weather in Paris today is sunny, around 21°C.",
    "Sure thing — let me check that for you.",
]


def _frame(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def _usage(rng: random.Random) -> dict[str, Any]:
    in_text, in_audio = rng.randint(20, 900), rng.randint(0, 600)
    out_text, out_audio = rng.randint(10, 120), rng.randint(40, 800)
    cached_audio = rng.randint(0, in_audio)
    return {
        "total_tokens": in_text + in_audio + out_text + out_audio,
        "input_tokens": in_text + in_audio,
        "output_tokens": out_text + out_audio,
        "input_token_details": {
            "text_tokens": in_text,
            "audio_tokens": in_audio,
            "image_tokens": 0,
            "cached_tokens": cached_audio,
            "cached_tokens_details": {
                "text_tokens": 0, "audio_tokens": cached_audio, "image_tokens": 0,
            },
        },
        "output_token_details": {"text_tokens": out_text, "audio_tokens": out_audio},
    }


def _response(resp_id: str, conv_id: str, status: str, output: list[Any],
              usage: dict[str, Any] | None) -> dict[str, Any]:
    details = None if status == "in_progress" else {"type": "completed", "reason": None}
    return {
        "object": "realtime.response",
        "id": resp_id,
        "status": status,
        "status_details": details,
        "output": output,
        "conversation_id": conv_id,
        "output_modalities": ["audio"],
        "max_output_tokens": "inf",
        "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}},
        "usage": usage,
        "metadata": None,
    }


def _assistant_item(item_id: str, status: str, transcript: str | None) -> dict[str, Any]:
    content = [] if transcript is None else [{"type": "output_audio", "transcript": transcript}]
    return {"id": item_id, "type": "message", "status": status, "role": "assistant",
            "content": content}


def _user_audio_item(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "type": "message", "status": "completed", "role": "user",
            "content": [{"type": "input_audio", "transcript": None}]}


def server_frames(n: int, seed: int) -> list[str]:
    """``n`` GA server event frames in the 70/20/10 mix, shuffled with ``seed``."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    conv_id = ids.new("conv_")
    turns = [(ids.new("resp_"), ids.new("item_"), ids.new("item_"))
             for _ in range(max(1, n // 400))]
    audio = [base64.b64encode(c).decode() for c in speech_like_pcm(POOL_SIZE, seed)]

    n_audio = n * 7 // 10
    n_text = n * 2 // 10
    n_other = n - n_audio - n_text

    def content_keys(resp_id: str, item_id: str) -> dict[str, Any]:
        return {"response_id": resp_id, "item_id": item_id, "output_index": 0, "content_index": 0}

    frames: list[str] = []
    for i in range(n_audio):
        resp_id, item_id, _ = rng.choice(turns)
        frames.append(_frame({"type": "response.output_audio.delta", "event_id": ids.new("event_"),
                              **content_keys(resp_id, item_id), "delta": audio[i % POOL_SIZE]}))
    for i in range(n_text):
        resp_id, item_id, _ = rng.choice(turns)
        delta = "".join(rng.choices(_TEXT_DELTAS, k=rng.randint(1, 3)))
        if i % 4:
            event = {"type": "response.output_audio_transcript.delta",
                     "event_id": ids.new("event_"), **content_keys(resp_id, item_id),
                     "delta": delta, "obfuscation": ids.new("")[: rng.randint(2, 12)]}
        else:
            event = {"type": "response.output_text.delta", "event_id": ids.new("event_"),
                     **content_keys(resp_id, item_id), "delta": delta}
        frames.append(_frame(event))

    def other(k: int) -> dict[str, Any]:
        resp_id, item_id, user_item = turns[k % len(turns)]
        eid = ids.new("event_")
        transcript = rng.choice(_TRANSCRIPTS)
        ms = rng.randint(500, 600_000)
        kind = k % 16
        if kind == 0:
            return {"type": "response.created", "event_id": eid,
                    "response": _response(resp_id, conv_id, "in_progress", [], None)}
        if kind == 1:
            return {"type": "response.output_item.added", "event_id": eid, "response_id": resp_id,
                    "output_index": 0, "item": _assistant_item(item_id, "in_progress", None)}
        if kind == 2:
            return {"type": "conversation.item.added", "event_id": eid,
                    "previous_item_id": user_item,
                    "item": _assistant_item(item_id, "in_progress", None)}
        if kind == 3:
            return {"type": "conversation.item.added", "event_id": eid, "previous_item_id": None,
                    "item": _user_audio_item(user_item)}
        if kind == 4:
            return {"type": "response.content_part.added", "event_id": eid,
                    **content_keys(resp_id, item_id), "part": {"type": "audio", "transcript": ""}}
        if kind == 5:
            return {"type": "rate_limits.updated", "event_id": eid, "rate_limits": [
                {"name": "requests", "limit": 5000, "remaining": rng.randint(4000, 4999),
                 "reset_seconds": 0.012},
                {"name": "tokens", "limit": 40000, "remaining": rng.randint(20000, 39999),
                 "reset_seconds": round(rng.uniform(0.5, 3.0), 3)},
            ]}
        if kind == 6:
            output = [_assistant_item(item_id, "completed", transcript)]
            return {"type": "response.done", "event_id": eid,
                    "response": _response(resp_id, conv_id, "completed", output, _usage(rng))}
        if kind == 7:
            return {"type": "input_audio_buffer.speech_started", "event_id": eid,
                    "audio_start_ms": ms, "item_id": user_item}
        if kind == 8:
            return {"type": "input_audio_buffer.speech_stopped", "event_id": eid,
                    "audio_end_ms": ms, "item_id": user_item}
        if kind == 9:
            return {"type": "input_audio_buffer.committed", "event_id": eid,
                    "previous_item_id": None, "item_id": user_item}
        if kind == 10:
            return {"type": "conversation.item.done", "event_id": eid,
                    "previous_item_id": user_item,
                    "item": _assistant_item(item_id, "completed", transcript)}
        if kind == 11:
            return {"type": "response.output_item.done", "event_id": eid, "response_id": resp_id,
                    "output_index": 0, "item": _assistant_item(item_id, "completed", transcript)}
        if kind == 12:
            return {"type": "response.content_part.done", "event_id": eid,
                    **content_keys(resp_id, item_id),
                    "part": {"type": "audio", "transcript": transcript}}
        if kind == 13:
            return {"type": "response.output_audio.done", "event_id": eid,
                    **content_keys(resp_id, item_id)}
        if kind == 14:
            return {"type": "response.output_audio_transcript.done", "event_id": eid,
                    **content_keys(resp_id, item_id), "transcript": transcript}
        return {"type": "conversation.item.input_audio_transcription.completed",
                "event_id": eid, "item_id": user_item, "content_index": 0,
                "transcript": transcript,
                "usage": {"type": "tokens", "input_tokens": 51, "output_tokens": 12,
                          "total_tokens": 63,
                          "input_token_details": {"audio_tokens": 51, "text_tokens": 0}}}

    frames.extend(_frame(other(k)) for k in range(n_other))
    rng.shuffle(frames)
    return frames


# --------------------------------------------------------------------------- contenders

_sdk_adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(RealtimeServerEvent)
_SDK_EVENT_TYPE = cast(Any, RealtimeServerEvent)


def sdk_parse_event(frame: str) -> Any:
    """``RealtimeConnection.parse_event`` (openai 3.x), as ``recv()`` calls it."""
    return construct_type_unchecked(value=json.loads(frame), type_=_SDK_EVENT_TYPE)


def sdk_validate(frame: str) -> Any:
    return _sdk_adapter.validate_json(frame)


def ours_encode(pcm: bytes) -> str:
    return realtime_nb.append_audio(pcm).to_json()


def sdk_encode(pcm: bytes) -> str:
    """``connection.send(InputAudioBufferAppendEvent(...))``: the BaseModel branch."""
    event = InputAudioBufferAppendEvent(
        type="input_audio_buffer.append", audio=base64.b64encode(pcm).decode()
    )
    return event.to_json(use_api_names=True, exclude_unset=True)


def sdk_helper_encode(pcm: bytes) -> str:
    """``connection.input_audio_buffer.append(audio=...)``: the TypedDict branch."""
    audio = base64.b64encode(pcm).decode()
    param = strip_not_given(
        {"type": "input_audio_buffer.append", "audio": audio, "event_id": omit}
    )
    return json.dumps(maybe_transform(param, _SDK_SEND_TYPE))


_FLOOR_ENCODER = msgspec.json.Encoder()


def base64_only(pcm: bytes) -> str:
    """The share of the work every encoder must do: the chunk as one base64 JSON string.

    msgspec's own base64 writer is the fastest found here, so this is the floor
    for any encoder: nothing that emits the event can cost less.
    """
    return _FLOOR_ENCODER.encode(pcm).decode()


def raw_encode(pcm: bytes) -> str:
    return json.dumps({"type": "input_audio_buffer.append",
                       "audio": base64.b64encode(pcm).decode()})


# --------------------------------------------------------------------------- checks


def check_decoding(frames: Sequence[str]) -> int:
    """Assert every frame is valid for every contender; return our fast-path hit count."""
    fast = 0
    for frame in frames:
        kind = json.loads(frame)["type"]
        ours = realtime_nb.parse_server_event(frame)
        assert not isinstance(ours, realtime_nb.UnknownServerEvent), kind
        assert ours.type == kind, (ours.type, kind)
        strict = sdk_validate(frame)  # raises pydantic.ValidationError if the SDK refuses
        loose = sdk_parse_event(frame)
        assert type(loose) is type(strict) and loose.type == kind, (type(loose), kind)
        try:
            rt_codec._server_decoder.decode(frame)
            fast += 1
        except msgspec.ValidationError:
            pass
    return fast


def check_encoding(pcm: bytes) -> None:
    outputs = {
        "ours": ours_encode(pcm),
        "SDK": sdk_encode(pcm),
        "SDK helper": sdk_helper_encode(pcm),
        "raw json": raw_encode(pcm),
    }
    decoded = {name: json.loads(text) for name, text in outputs.items()}
    expected = {"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm).decode()}
    for name, value in decoded.items():
        assert value == expected, f"{name} encodes differently: {sorted(value)}"


# --------------------------------------------------------------------------- timing


def best_of(fn: Callable[[Any], object], items: Sequence[Any], repeat: int) -> float:
    """Best wall time in seconds of ``fn(item) for item in items`` over ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return best


def print_table(title: str, n: int, rows: list[tuple[str, float]]) -> None:
    print(f"\n{title} ({n:,} events, best of repeats)")
    print(f"  {'contender':<44} {'best ms':>10} {'µs/event':>10} {'events/s':>12}")
    print(f"  {'-' * 44} {'-' * 10} {'-' * 10} {'-' * 12}")
    for name, seconds in rows:
        print(f"  {name:<44} {seconds * 1e3:>10.1f} {seconds * 1e6 / n:>10.2f} "
              f"{n / seconds:>12,.0f}")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_ratios(ours: float, sdk: float, raw: float, extra: list[tuple[str, float]]) -> None:
    speedup = sdk / ours
    vs_raw = ours / raw
    print(f"  SDK / ours  = {speedup:6.2f}x   (target >= {SPEEDUP_TARGET:.0f}x)   "
          f"{verdict(speedup >= SPEEDUP_TARGET)}")
    print(f"  ours / raw  = {vs_raw:6.2f}    (target <= {RAW_RATIO_TARGET:.1f})    "
          f"{verdict(vs_raw <= RAW_RATIO_TARGET)}")
    for name, seconds in extra:
        print(f"  {name} / ours = {seconds / ours:6.2f}x   (information)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=20_000, help="events per workload")
    parser.add_argument("--repeat", type=int, default=5, help="runs per contender (best kept)")
    args = parser.parse_args(argv)
    n, repeat = args.events, args.repeat
    if n < 10 or repeat < 1:
        parser.error("--events must be >= 10 and --repeat >= 1")

    print(f"Python {platform.python_version()} ({sys.implementation.name}, "
          f"{platform.machine()}), msgspec {msgspec.__version__}, pydantic {pydantic.VERSION}, "
          f"openai {openai.__version__}, numpy {np.__version__}, "
          f"realtime_nb {realtime_nb.__version__}")

    # 1. decoding
    frames = server_frames(n, SEED)
    size = sum(len(f) for f in frames)
    fast = check_decoding(frames)
    print(f"\nWorkload 1: {n:,} GA server frames, {size / 1e6:.1f} MB of JSON text; all parse "
          f"to typed events, all pass SDK validation; {fast:,}/{n:,} on our msgspec fast path.")
    dec = {
        "ours: realtime_nb.parse_server_event": best_of(
            realtime_nb.parse_server_event, frames, repeat),
        "SDK: construct_type_unchecked(json.loads)": best_of(sdk_parse_event, frames, repeat),
        "SDK strict: TypeAdapter.validate_json (info)": best_of(sdk_validate, frames, repeat),
        "raw: json.loads": best_of(json.loads, frames, repeat),
    }
    names = list(dec)
    print_table("Decoding server events", n, list(dec.items()))
    print_ratios(dec[names[0]], dec[names[1]], dec[names[3]], [("SDK strict", dec[names[2]])])

    # 2. encoding
    pool = speech_like_pcm(POOL_SIZE, SEED + 1)
    chunks = [pool[i % POOL_SIZE] for i in range(n)]
    check_encoding(chunks[0])
    print(f"\nWorkload 2: {n:,} input_audio_buffer.append events from {CHUNK_BYTES}-byte PCM16 "
          f"chunks ({POOL_SIZE} distinct); all contenders give the same JSON object.")
    enc = {
        "ours: append_audio(pcm).to_json()": best_of(ours_encode, chunks, repeat),
        "SDK: InputAudioBufferAppendEvent(...).to_json": best_of(sdk_encode, chunks, repeat),
        "SDK helper: json.dumps(maybe_transform) (info)": best_of(
            sdk_helper_encode, chunks, repeat),
        "raw: json.dumps(dict)": best_of(raw_encode, chunks, repeat),
        "floor: the base64 JSON string alone (info)": best_of(base64_only, chunks, repeat),
    }
    names = list(enc)
    print_table("Encoding input_audio_buffer.append", n, list(enc.items()))
    print_ratios(enc[names[0]], enc[names[1]], enc[names[3]], [("SDK helper", enc[names[2]])])
    floor = enc[names[4]]
    print(f"  the base64 string alone is {floor / enc[names[0]]:.0%} of our time; an encoder "
          f"costing nothing beyond it would reach SDK / ours = {enc[names[1]] / floor:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
