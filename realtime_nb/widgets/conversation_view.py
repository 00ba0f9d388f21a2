"""The conversation as it builds up: one row per item, redrawn only where it changed.

:class:`ConversationView` draws ``session.conversation.items`` in the server's
order: each message with its role, text and transcript, each function call with
its arguments and the output given back, and a player for each item that has
audio. A user item's transcript is labelled as what a separate transcription
model (ASR) heard: the model answered the audio itself and may have heard it
differently.

Each item keeps one child widget; a refresh compares a cheap signature of every
item (status, lengths of its text, transcript and audio...) with the one drawn
and rebuilds only the rows that differ, so a long conversation costs one HTML
update per changing item, ten times a second at most. The player's WAV bytes
are set once the item's audio is complete, not on every delta: a spoken reply
is megabytes, and each assignment is a message to the browser.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..state.items import AUDIO_KINDS, Item
from .view import View, export_path

if TYPE_CHECKING:
    from ..connection.session import RealtimeSession

__all__ = ["ConversationView", "ItemRow", "item_html", "audio_complete", "signature",
           "Signature", "ASR_LABEL"]

_FINAL_STATUSES = frozenset({"completed", "incomplete"})

ASR_LABEL = "ASR transcript (a separate model's; may differ from what the model heard)"
"""How a user item's transcript is labelled: input transcription runs beside the model."""

Signature = tuple[Any, ...]
"""What a row was drawn from; a row whose item gives another signature is rebuilt."""


def audio_complete(item: Item) -> bool:
    """Whether all of ``item``'s audio has arrived: the item is finished, or the response
    that made it is done (a cancelled response may leave its item ``in_progress``)."""
    if item.status in _FINAL_STATUSES or item.truncated:
        return True
    response = item.response
    return bool(getattr(response, "done", False))


def signature(item: Item) -> Signature:
    """What :func:`item_html` and the player depend on, cheap to compare (lengths, not text)."""
    arguments = item.arguments
    output = item.output
    return (item.type, item.role, item.status, item.placeholder, item.name,
            len(item.text), len(item.transcript), round(item.audio_ms, 3),
            -1 if arguments is None else len(arguments), -1 if output is None else len(output),
            item.truncated, item.transcription_error is not None, audio_complete(item))


def _block(css: str, label: str, body: str, *, pre: bool = False) -> str:
    """One labelled part of a row; ``body`` is already escaped."""
    tag = "pre" if pre else "div"
    return (f'<div class="{css}"><span style="opacity:.7">{html.escape(label)}</span>'
            f'<{tag} style="white-space:pre-wrap;margin:0">{body}</{tag}></div>')


def item_html(item: Item) -> str:
    """The text part of one item's row, as HTML (every value from the server escaped)."""
    who = item.role or item.type or "item"
    meta = " · ".join(html.escape(bit) for bit in (
        item.type if item.role else "", item.status or "", item.id) if bit)
    if item.placeholder:
        meta += " · known only from events that named it"
    parts = [f'<div><b>{html.escape(who)}</b> <span style="opacity:.6">{meta}</span></div>']
    text = item.text
    if text:
        parts.append(f'<div class="rtnb-text" style="white-space:pre-wrap">'
                     f"{html.escape(text)}</div>")
    has_audio = any(p is not None and p.kind in AUDIO_KINDS for p in item.parts)
    transcript = item.transcript
    if transcript or (has_audio and item.role == "user"):
        label = ASR_LABEL if item.role == "user" else "transcript of the audio"
        shown = (html.escape(transcript) if transcript
                 else "<i>none yet (or input transcription is off)</i>")
        parts.append(_block("rtnb-transcript", label, shown))
    if item.truncated:
        parts.append('<div class="rtnb-truncated" style="opacity:.7">audio truncated where the '
                     "listener stopped; the service dropped its transcript</div>")
    if item.transcription_error is not None:
        message = getattr(item.transcription_error, "message", item.transcription_error)
        parts.append(_block("rtnb-error", "transcription failed", html.escape(str(message))))
    if item.type == "function_call":
        call = f"{item.name or '?'}({item.arguments or ''})"
        parts.append(_block("rtnb-call", "call", html.escape(call), pre=True))
        output = item.output
        parts.append(_block("rtnb-output", "output",
                            html.escape(output) if output is not None else "<i>none yet</i>",
                            pre=True))
    elif item.type == "function_call_output":
        parts.append(_block("rtnb-output", f"output for {item.call_id or '?'}",
                            html.escape(item.output or ""), pre=True))
    ms = item.audio_ms
    if ms and not audio_complete(item):
        parts.append(f'<div style="opacity:.7">audio: {ms:,.0f} ms so far…</div>')
    return f'<div class="rtnb-item-text">{"".join(parts)}</div>'


class ItemRow:
    """One item's child widget: its HTML, and a player once it has complete audio.

    Attributes:
        box: the row's widget (a ``VBox``; class ``rtnb-item``).
        html: the text part (:func:`item_html`).
        player: the ``ipywidgets.Audio`` (WAV, no autoplay), ``None`` until the
            item's audio is complete.
        signature: what the row was last drawn from.
    """

    __slots__ = ("_player_ms", "_role", "box", "html", "player", "signature")

    def __init__(self) -> None:
        self.html = widgets.HTML()
        self.box = widgets.VBox([self.html])
        self.box.add_class("rtnb-item")
        self.player: widgets.Audio | None = None
        self.signature: Signature | None = None
        self._player_ms: float | None = None
        self._role = ""

    def update(self, item: Item, drawn: Signature) -> None:
        """Draw ``item``, whose :func:`signature` is ``drawn``."""
        self.signature = drawn
        self.html.value = item_html(item)
        role = f"rtnb-role-{item.role or item.type or 'item'}"
        if role != self._role:  # a placeholder learns its role later
            if self._role:
                self.box.remove_class(self._role)
            self.box.add_class(role)
            self._role = role
        ms = item.audio_ms
        # Only complete audio goes to the browser, and only again if it changed (a truncation).
        if not ms or not audio_complete(item) or ms == self._player_ms:
            return
        clip = item.audio
        if clip is None:  # counted but not kept (keep_audio=False)
            return
        if self.player is None:
            # Made with its value: an empty player is an empty blob in the browser, which
            # Chromium reports as a console error (ERR_REQUEST_RANGE_NOT_SATISFIABLE).
            self.player = widgets.Audio(value=clip.to_wav(), format="wav", autoplay=False,
                                        controls=True, loop=False)
            self.player.add_class("rtnb-player")
            self.box.children = (self.html, self.player)
        else:
            self.player.value = clip.to_wav()
        self._player_ms = ms


class ConversationView(View):
    """The items of ``session.conversation``, in order, updated as deltas arrive.

    Attributes:
        widget: the root ``VBox`` (class ``rtnb-conversation``).
        rows: the row drawn for each item, by item id.
        rebuilt: how many rows were redrawn so far (for tests: an unchanged item
            costs nothing).
        exports: buttons that save the transcript (Markdown) and each item's audio
            (WAV files) in the working directory, and a line saying where; not in
            ``widget``: the panel places it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.widget = widgets.VBox()
        self.widget.add_class("rtnb-conversation")
        self._note = widgets.HTML()
        self.transcript_button = widgets.Button(description="Save transcript", icon="file-text",
                                                tooltip="The conversation as Markdown")
        self.audio_button = widgets.Button(description="Save audio", icon="file-audio-o",
                                           tooltip="Each item's audio as a WAV file")
        self.export_note = widgets.HTML()
        self.transcript_button.on_click(lambda _: self.save_transcript())
        self.audio_button.on_click(lambda _: self.save_audio())
        self.exports = widgets.HBox([self.transcript_button, self.audio_button, self.export_note],
                                    layout=widgets.Layout(flex_flow="row wrap",
                                                          align_items="center"))
        self.exports.add_class("rtnb-conversation-exports")
        self.rows: dict[str, ItemRow] = {}
        self._order: tuple[str, ...] | None = None
        self.rebuilt = 0

    def attach(self, session: RealtimeSession | None) -> None:
        """Draw ``session``'s conversation from now on (its rows start afresh)."""
        if session is not self.session:
            self.rows.clear()
            self._order = None
        super().attach(session)

    def refresh(self) -> None:
        """Rebuild the rows whose item changed, and reorder the children if the items did."""
        session = self.session
        if session is None:
            self._note.value = "<i>Not connected.</i>"
            self.widget.children = (self._note,)
            self._order = None  # whatever is attached next draws its items
            return
        items = session.conversation.items
        rows = self.rows
        for item in items:
            row = rows.get(item.id)
            if row is None:
                row = rows[item.id] = ItemRow()
            drawn = signature(item)
            if drawn != row.signature:
                row.update(item, drawn)
                self.rebuilt += 1
        order = tuple(item.id for item in items)
        if order == self._order:
            return
        for gone in set(rows) - set(order):  # deleted, or archived by a reconnect
            del rows[gone]
        if not order:
            self._note.value = "<i>No items yet.</i>"
            self._show(order, (self._note,))
        else:
            self._show(order, tuple(rows[item_id].box for item_id in order))

    def _show(self, order: tuple[str, ...], children: tuple[widgets.Widget, ...]) -> None:
        self._order = order
        self.widget.children = children

    def save_transcript(self, directory: str | Path | None = None) -> Path | None:
        """Write the conversation as Markdown to ``realtime_nb-transcript-<UTC time>.md``
        in ``directory`` (default: the working directory); ``None`` with no session."""
        if self.session is None:
            self.export_note.value = "<i>Not connected.</i>"
            return None
        path = self.session.conversation.save(export_path("transcript", ".md", directory))
        self.export_note.value = f"Wrote <code>{html.escape(str(path))}</code>"
        return path

    def save_audio(self, directory: str | Path | None = None) -> list[Path]:
        """Write each item's audio as WAV into a new folder ``realtime_nb-audio-<UTC time>``
        in ``directory`` (default: the working directory); returns the files."""
        if self.session is None:
            self.export_note.value = "<i>Not connected.</i>"
            return []
        folder = export_path("audio", "", directory)
        paths = self.session.conversation.save_audio(folder)
        self.export_note.value = (f"Wrote {len(paths)} WAV file{'s' if len(paths) != 1 else ''}"
                                  f" to <code>{html.escape(str(folder))}</code>")
        return paths
