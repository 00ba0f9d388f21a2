"""A conversation written out: a Markdown transcript, WAV files, an HTML table.

These take the items of a :class:`~realtime_nb.state.conversation.Conversation`
(``conversation.items``); the conversation's ``to_markdown``, ``save`` and
``save_audio`` call them.

>>> from realtime_nb.state.items import Item
>>> hello = Item("item_1", "message")
>>> hello.role = "user"
>>> hello.part(0, "input_text").final_text = "Hello!"
>>> print(to_markdown([hello]))
# Conversation
<BLANKLINE>
**User**: Hello!
<BLANKLINE>
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .items import AUDIO_KINDS, Item

__all__ = ["to_markdown", "save_audio", "to_html"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _fenced(text: str) -> str:
    """``text`` in a code block (JSON pretty-printed), fenced longer than any backticks in it."""
    language = ""
    try:
        text = json.dumps(json.loads(text), ensure_ascii=False, indent=2)
        language = "json"
    except ValueError:
        pass
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _message(item: Item) -> str:
    role = (item.role or "message").capitalize()
    notes = []
    has_audio = any(p is not None and p.kind in AUDIO_KINDS for p in item.parts)
    if has_audio or item.audio_ms:
        notes.append(f"audio {item.audio_ms:,.0f} ms" if item.audio_ms else "audio")
    if item.truncated:
        notes.append("truncated")
    if item.status == "incomplete":
        notes.append("incomplete")
    words = item.text or item.transcript
    if has_audio and not item.transcript and not item.text:
        notes.append("no transcript")
    label = f"**{role}**" + (f" ({', '.join(notes)})" if notes else "")
    return f"{label}: {words}" if words else label


def _call(item: Item) -> str:
    head = f"**Tool call** `{item.name or '?'}` (call_id `{item.call_id or '?'}`):"
    return f"{head}\n\n{_fenced(item.arguments or '')}"


def _output(item: Item) -> str:
    head = f"**Tool output** (call_id `{item.call_id or '?'}`):"
    return f"{head}\n\n{_fenced(item.output or '')}"


_RENDER = {"message": _message, "function_call": _call, "function_call_output": _output}


def to_markdown(items: Sequence[Item], title: str = "Conversation") -> str:
    """A readable transcript of ``items``: who said what, tool calls and their outputs."""
    blocks = [f"# {title}"]
    for item in items:
        render = _RENDER.get(item.type)
        if render is not None:
            blocks.append(render(item))
        else:
            name = f" `{item.name}`" if item.name else ""
            blocks.append(f"**{item.type or 'Item'}**{name} (`{item.id}`)")
    return "\n\n".join(blocks) + "\n"


def save_audio(items: Sequence[Item], folder: Path) -> list[Path]:
    """Write each item's audio to ``folder/<position>-<role>-<id>.wav``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for position, item in enumerate(items, 1):
        audio = item.audio
        if audio is None:
            continue
        name = _UNSAFE.sub("_", f"{position:03d}-{item.role or item.type}-{item.id}")
        paths.append(audio.save(folder / f"{name}.wav"))
    return paths


def to_html(conversation: Any) -> str:
    """An HTML table of the conversation's items (a notebook shows it for a bare
    ``session.conversation``)."""
    rows = []
    for item in conversation.items:
        words = item.text or item.transcript or item.arguments or item.output or ""
        shown = words if len(words) <= 300 else words[:297] + "..."
        audio = f"{item.audio_ms:,.0f} ms" if item.audio_ms else ""
        cells = [item.id, item.role or item.type, item.status or "", shown, audio]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
                    + "</tr>")
    head = "".join(f"<th>{name}</th>" for name in ("id", "who", "status", "content", "audio"))
    caption = html.escape(repr(conversation))
    return (f"<table><caption>{caption}</caption><tr>{head}</tr>{''.join(rows)}</table>")
