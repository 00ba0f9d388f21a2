"""Token accounting for the mock's ``usage`` and ``rate_limits``: deterministic counts.

The service does not publish its tokenizer or its audio token rates; the mock
uses simple, stable rules so that usage numbers are reproducible and behave like
the real ones where it matters for teaching: the whole conversation is billed as
input on every turn, cached tokens are part of ``input_tokens`` (never on top),
and caching starts at 1,024 prompt tokens in blocks of 64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from ..wire import (
    FunctionCall,
    FunctionCallOutput,
    InputAudio,
    InputText,
    Item,
    Message,
    OutputAudio,
    OutputText,
)

__all__ = [
    "INPUT_AUDIO_TOKENS_PER_S",
    "OUTPUT_AUDIO_TOKENS_PER_S",
    "CACHE_MIN_TOKENS",
    "CACHE_BLOCK_TOKENS",
    "count_tokens",
    "audio_tokens_in",
    "audio_tokens_out",
    "item_tokens",
    "InputUsage",
    "PromptCache",
]

INPUT_AUDIO_TOKENS_PER_S = 10
"""Input audio tokens per second of user audio (an approximation)."""

OUTPUT_AUDIO_TOKENS_PER_S = 20
"""Audio tokens per second of model speech (an approximation)."""

CACHE_MIN_TOKENS = 1024
"""Prompt length from which a repeated prefix is served from the cache."""

CACHE_BLOCK_TOKENS = 64
"""Cached tokens come in whole blocks of this size."""


def count_tokens(text: str) -> int:
    """A deterministic token count: about four characters per token, as for English.

    >>> count_tokens(""), count_tokens("Hello!"), count_tokens("x" * 400)
    (0, 2, 100)
    """
    return (len(text) + 3) // 4


def audio_tokens_in(ms: float) -> int:
    """Input tokens for ``ms`` of user audio."""
    return int(ms * INPUT_AUDIO_TOKENS_PER_S / 1000)


def audio_tokens_out(ms: float) -> int:
    """Output tokens for ``ms`` of model speech."""
    return int(ms * OUTPUT_AUDIO_TOKENS_PER_S / 1000)


def _b64_len_to_bytes(length: int) -> float:
    return length * 3 / 4


def item_tokens(item: Item, input_bytes_per_ms: float,
                output_bytes_per_ms: float) -> tuple[int, int]:
    """(text tokens, audio tokens) that ``item`` adds to a response's input."""
    if isinstance(item, Message):
        text = audio = 0
        for part in item.content:
            if isinstance(part, (InputText, OutputText)) and isinstance(part.text, str):
                text += count_tokens(part.text)
            elif isinstance(part, InputAudio) and isinstance(part.audio, str):
                audio += audio_tokens_in(_b64_len_to_bytes(len(part.audio)) / input_bytes_per_ms)
            elif isinstance(part, OutputAudio) and isinstance(part.audio, str):
                audio += audio_tokens_out(
                    _b64_len_to_bytes(len(part.audio)) / output_bytes_per_ms)
        return text, audio
    if isinstance(item, FunctionCall):
        return count_tokens(item.name + item.arguments), 0
    if isinstance(item, FunctionCallOutput):
        return count_tokens(item.output), 0
    return 0, 0


@dataclass(frozen=True)
class InputUsage:
    """Input tokens of a response's context, counted when it starts."""

    text_tokens: int = 0
    audio_tokens: int = 0
    cached_text_tokens: int = 0
    cached_audio_tokens: int = 0

    @property
    def total(self) -> int:
        """All input tokens (cached ones included, as the service counts them)."""
        return self.text_tokens + self.audio_tokens


class PromptCache:
    """Counts a response's input tokens and how many of them the cache serves.

    The default conversation only grows at its end, so the previous in-band
    prompt is a prefix of the next one; that prefix (once it reaches
    :data:`CACHE_MIN_TOKENS`) is what gets cached.

    >>> cache = PromptCache()
    >>> cache.count([], "x" * 8000, [], in_band=True).cached_text_tokens
    0
    >>> cache.count([], "x" * 8000, [], in_band=True).cached_text_tokens
    1984
    """

    def __init__(self) -> None:
        self._prefix = 0

    def count(self, context: list[Item], instructions: str, tools: list[Any], *,
              in_band: bool, input_bytes_per_ms: float = 48.0,
              output_bytes_per_ms: float = 48.0) -> InputUsage:
        """The input usage of a response over ``context`` (remembered when ``in_band``)."""
        text = count_tokens(instructions) + sum(
            count_tokens(msgspec.json.encode(tool).decode()) for tool in tools)
        audio = 0
        for item in context:
            item_text, item_audio = item_tokens(item, input_bytes_per_ms, output_bytes_per_ms)
            text += item_text
            audio += item_audio
        total = text + audio
        cached = self._prefix if self._prefix >= CACHE_MIN_TOKENS else 0
        cached = min(cached, total) // CACHE_BLOCK_TOKENS * CACHE_BLOCK_TOKENS
        if in_band:
            self._prefix = total
        cached_audio = min(audio, cached * audio // total) if total else 0
        return InputUsage(text_tokens=text, audio_tokens=audio,
                          cached_text_tokens=cached - cached_audio,
                          cached_audio_tokens=cached_audio)
