"""The session's moving state, and the two buttons that act on it while it speaks.

:class:`SessionStateView` shows what is going on now: the response in progress
(or idle), the audio in the input buffer since the last commit, how much of the
item being heard was played against how much arrived, and the effective session
configuration with what differs from the last ``session.update``. Its
**Interrupt** button runs ``session.interrupt()`` and its say box runs
``session.say(text, interrupt=True)``: typing while the assistant speaks.

The buttons never wait for the server: a click starts the work as a task on the
session's event loop (:func:`start_task`) and returns; what the task brings back
is drawn by the next :meth:`~SessionStateView.refresh`, and the reply itself
appears in the conversation view.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..state.playback import Interruption
from .view import View, Work, start_task

if TYPE_CHECKING:
    from ..connection.session import RealtimeSession
    from ..reply import Reply
    from ..state.session_diff import SessionUpdates

__all__ = ["SessionStateView", "describe_interruption", "session_summary"]

logger = logging.getLogger("realtime_nb.widgets")

"""A task a button started: an asyncio task on the caller's loop, or a future from the
session's loop on another thread (a session made by ``session.sync`` code)."""


def describe_interruption(result: Interruption) -> str:
    """What an :class:`~realtime_nb.Interruption` did, in one line of plain text."""
    if result.response_id is None:
        said = ["no response was active"]
    elif result.cancelled:
        said = [f"cancelled {result.response_id}"]
    else:
        said = [f"cancel of {result.response_id} not confirmed"]
    if result.truncated and result.audio_end_ms is not None:
        said.append(f"truncated {result.item_id} at {result.audio_end_ms:,} ms "
                    f"({result.received_ms:,.0f} ms received)")
    elif result.audio_end_ms is not None:
        said.append(f"truncate of {result.item_id} at {result.audio_end_ms:,} ms not confirmed")
    if result.reason:
        said.append(result.reason)
    return "; ".join(said)


def _format(value: Any) -> str:
    if isinstance(value, Mapping):
        kind = str(value.get("type", "?"))
        rate = value.get("rate")
        return f"{kind} {rate / 1000:g} kHz" if isinstance(rate, int | float) else kind
    return "-" if value is None else str(value)


def session_summary(effective: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The effective session (its GA dict) as a few (label, value) pairs: model, voice,
    formats, turn detection, modalities, tools, the first line of the instructions."""
    audio = effective.get("audio")
    audio = audio if isinstance(audio, Mapping) else {}
    heard = audio.get("input") if isinstance(audio.get("input"), Mapping) else {}
    spoken = audio.get("output") if isinstance(audio.get("output"), Mapping) else {}
    turns = heard.get("turn_detection") if heard else None
    instructions = effective.get("instructions")
    first = instructions.strip().splitlines()[0] if isinstance(instructions, str) and (
        instructions.strip()) else "-"
    tools = effective.get("tools")
    modalities = effective.get("output_modalities")
    pairs = [
        ("model", str(effective.get("model") or "-")),
        ("voice", str(spoken.get("voice") or "-") if spoken else "-"),
        ("formats", f"in {_format(heard.get('format') if heard else None)}, "
                    f"out {_format(spoken.get('format') if spoken else None)}"),
        ("turn detection", str(turns.get("type", "?")) if isinstance(turns, Mapping)
         else "off (commit ends a turn)"),
        ("modalities", ", ".join(map(str, modalities)) if isinstance(modalities, list) else "-"),
        ("tools", str(len(tools)) if isinstance(tools, list) else "0"),
        ("instructions", first if len(first) <= 100 else first[:99] + "…"),
    ]
    if effective.get("type") not in (None, "realtime"):
        pairs.insert(0, ("type", str(effective.get("type"))))
    return pairs


def _table(pairs: list[tuple[str, str]]) -> str:
    rows = "".join(f'<tr><td style="opacity:.7;padding-right:1em">{html.escape(label)}</td>'
                   f"<td>{html.escape(value)}</td></tr>" for label, value in pairs)
    return f"<table>{rows}</table>"


def _diff_html(updates: SessionUpdates) -> str:
    last = updates.last
    if last is None:
        return "<i>No session.update sent yet.</i>"
    if last.pending:
        return "<i>session.update sent; waiting for the server's answer.</i>"
    head = "Last session.update "
    if last.error is not None:
        code = getattr(last.error, "code", None)
        message = getattr(last.error, "message", "") or "refused"
        head += f"<b>refused</b> ({html.escape(str(code) + ': ' if code else '')}" \
                f"{html.escape(str(message))}); nothing of it applies."
    elif not last.diff:
        return "Last session.update: applied as asked."
    else:
        head += "applied, but not as asked:"
    rows = "".join(f"<tr><td><code>{html.escape(e.path)}</code></td>"
                   f"<td>{html.escape(repr(e.requested))}</td>"
                   f"<td>{html.escape(repr(e.effective))}</td><td>{html.escape(e.reason)}</td></tr>"
                   for e in last.diff)
    table = ("<table><tr><th>field</th><th>asked</th><th>in effect</th><th></th></tr>"
             f"{rows}</table>") if rows else ""
    return f'<div class="rtnb-diff">{head}{table}</div>'


class SessionStateView(View):
    """The response in progress, the input buffer, playback, the session, and Interrupt / say.

    Attributes:
        widget: the root ``VBox`` (class ``rtnb-state``).
        response, input_buffer, playing, config, diff: ``HTML`` widgets for each line.
        progress: played against received ms of the item being heard.
        interrupt_button: class ``rtnb-interrupt``; disabled when nothing is active,
            playing or asked for, and while an interrupt runs.
        interruption: what the last interrupt did (:func:`describe_interruption`).
        say_text, say_button: the "type while it speaks" box (``rtnb-say-text``)
            and its button (``rtnb-say-send``).
        say_status: the last say's progress, reply or error.
        say_box: the say box, its button and status, to place (not in ``widget``).
        interrupt_task, say_task: the latest work the buttons started (``None``
            before the first click); a notebook or a test may await them.
        last_interruption, last_reply: what they returned, once they did.
    """

    def __init__(self) -> None:
        super().__init__()
        self.response = widgets.HTML()
        self.input_buffer = widgets.HTML()
        self.progress = widgets.FloatProgress(min=0.0, max=1.0, value=0.0, description="played")
        self.playing = widgets.HTML()
        self.config = widgets.HTML()
        self.diff = widgets.HTML()
        self.interrupt_button = widgets.Button(description="Interrupt", icon="stop",
                                               button_style="warning", disabled=True,
                                               tooltip="Cancel the response and truncate the "
                                               "audio where the listener is")
        self.interrupt_button.add_class("rtnb-interrupt")
        self.interruption = widgets.HTML()
        self.say_text = widgets.Text(placeholder="Type while it speaks…",
                                     layout=widgets.Layout(flex="1 1 auto"))
        self.say_text.add_class("rtnb-say-text")
        self.say_button = widgets.Button(description="Say", icon="paper-plane", disabled=True,
                                         tooltip="Interrupt, then send this as the user")
        self.say_button.add_class("rtnb-say-send")
        self.say_status = widgets.HTML()
        # Not part of ``widget``: the panel puts it under the conversation, where a chat's
        # input goes.
        self.say_box = widgets.VBox([
            widgets.HBox([self.say_text, self.say_button], layout=widgets.Layout(width="100%")),
            self.say_status])
        self.widget = widgets.VBox([
            self.response, self.input_buffer,
            widgets.HBox([self.progress, self.playing],
                         layout=widgets.Layout(flex_flow="row wrap", align_items="center")),
            self.config, self.diff,
            widgets.HBox([self.interrupt_button, self.interruption],
                         layout=widgets.Layout(flex_flow="row wrap", align_items="center")),
        ])
        self.widget.add_class("rtnb-state")
        self.interrupt_button.on_click(self._interrupt)
        self.say_button.on_click(self._say)
        self.interrupt_task: Work[Interruption] | None = None
        self.say_task: Work[Reply] | None = None
        self.last_interruption: Interruption | None = None
        self.last_reply: Reply | None = None
        self._interrupt_error: BaseException | None = None
        self._said = ""
        self._say_error: BaseException | None = None
        self._drawn_session: tuple[Any, Any] | None = None

    # -- drawing -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Set every line from the session's state (traits equal to their value send nothing)."""
        session = self.session
        if session is None:
            self._drawn_session = None
            for line in (self.response, self.input_buffer, self.playing, self.config, self.diff):
                line.value = ""
            self.response.value = "<i>Not connected.</i>"
            self._gauge(0.0, 1.0)
            self.interrupt_button.disabled = self.say_button.disabled = True
            return
        self._draw_response(session)
        ms = session.conversation.input_audio_ms
        self.input_buffer.value = (f"Input buffer: <b>{ms:,.0f} ms</b> appended since the "
                                   "last commit")
        self._draw_playing(session)
        self._draw_config(session)
        self._draw_buttons(session)

    def _draw_response(self, session: RealtimeSession) -> None:
        conversation = session.conversation
        active = conversation.active_response
        if active is not None:
            state = conversation.response(active)
            seen = [f"{name} {value:,.0f} ms" for name, value in (
                ("first delta", state.first_delta_ms), ("first audio", state.first_audio_ms))
                if value is not None]
            timing = f" ({', '.join(seen)})" if seen else ""
            self.response.value = (f"Response: <code>{html.escape(active)}</code> in progress"
                                   f"{timing}")
        elif session.playback.requested:
            self.response.value = "Response: asked for, not started yet"
        else:
            self.response.value = "Response: idle"

    def _gauge(self, played: float, received: float) -> None:
        with self.progress.hold_sync():  # max before value: the value is clamped to it
            self.progress.max = max(received, 1.0)
            self.progress.value = min(played, received)

    def _draw_playing(self, session: RealtimeSession) -> None:
        now = session.playback.playing
        if now is None:
            self._gauge(0.0, 1.0)
            self.playing.value = "nothing playing"
            return
        # Whole ms: the gauge moves with the clock, but not by float noise.
        played, received = round(now.played_ms), round(now.received_ms)
        self._gauge(played, received)
        arriving = "all received" if now.complete else "still arriving"
        source = "1x clock" if session.playback.source == "clock" else "player"
        self.playing.value = (f"<code>{html.escape(now.item_id)}</code>: played "
                              f"<b>{played:,} ms</b> of {received:,} ms received "
                              f"({arriving}; by the {source})")

    def _draw_config(self, session: RealtimeSession) -> None:
        # The effective session and the last update are replaced, never changed, on news:
        # drawing them again only when another object arrived keeps refresh() cheap.
        effective, update = session.session, session.last_update.last
        drawn = self._drawn_session
        if drawn is not None and drawn[0] is effective and drawn[1] is update:
            return
        self._drawn_session = (effective, update)
        to_dict = getattr(effective, "to_dict", None)
        shown = to_dict() if callable(to_dict) else None
        self.config.value = ("<b>Session in effect</b>" + _table(session_summary(shown))
                             if isinstance(shown, Mapping) else "<i>No session yet.</i>")
        self.diff.value = _diff_html(session.last_update)

    def _draw_buttons(self, session: RealtimeSession) -> None:
        is_open = session.state == "open"
        running = self.interrupt_task is not None and not self.interrupt_task.done()
        self.interrupt_button.disabled = not (is_open and not running and _interruptible(session))
        if running:
            self.interruption.value = "<i>interrupting…</i>"
        elif self._interrupt_error is not None:
            self.interruption.value = _failure("Interrupt failed", self._interrupt_error)
        elif self.last_interruption is not None:
            self.interruption.value = html.escape(describe_interruption(self.last_interruption))
        self.say_button.disabled = not is_open
        task = self.say_task
        if task is not None and not task.done():
            self.say_status.value = f"<i>sending {html.escape(repr(self._said))}…</i>"
        elif self._say_error is not None:
            self.say_status.value = _failure("Say failed", self._say_error)
        elif self.last_reply is not None:
            reply = self.last_reply
            self.say_status.value = (f"Replied: <code>{html.escape(reply.response_id)}</code> "
                                     f"{html.escape(reply.status)}")

    # -- the buttons -------------------------------------------------------------------------

    def _interrupt(self, _button: widgets.Button) -> None:
        session = self.session
        if session is None or (self.interrupt_task is not None
                               and not self.interrupt_task.done()):
            return
        self._interrupt_error = None
        try:
            task = start_task(session, session.interrupt())
        except RuntimeError as error:
            self._interrupt_error = error
        else:
            self.interrupt_task = task
            task.add_done_callback(self._interrupted)
        self.refresh()  # disabled at once; the result comes with a later refresh

    def _interrupted(self, task: Work[Interruption]) -> None:
        # A done callback, on the session's loop (where redraws run too): the outcome is
        # drawn now, not at the next event or clock tick.
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            logger.warning("The panel's Interrupt failed: %s", error)
            self._interrupt_error = error
        else:
            self.last_interruption = task.result()
        self.refresh()

    def _say(self, _button: widgets.Button) -> None:
        session = self.session
        text = self.say_text.value.strip()
        if session is None or not text:
            return
        self.say_text.value = ""
        self._said, self._say_error, self.last_reply = text, None, None
        try:
            task = start_task(session, session.say(text, interrupt=True))
        except RuntimeError as error:
            self._say_error = error
        else:
            self.say_task = task
            task.add_done_callback(self._replied)
        self.refresh()

    def _replied(self, task: Work[Reply]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            logger.warning("The panel's say failed: %s", error)
            self._say_error = error
        else:
            self.last_reply = task.result()
        self.refresh()


def _interruptible(session: RealtimeSession) -> bool:
    """Whether Interrupt has something to stop: a response active or asked for, or audio
    still being heard."""
    playback = session.playback
    return (session.conversation.active_response is not None
            or playback.active_response is not None or playback.requested > 0
            or playback.playing is not None)


def _failure(what: str, error: BaseException) -> str:
    return (f'<span style="color:#b00">{html.escape(what)}: '
            f"{html.escape(type(error).__name__)}: {html.escape(str(error))}</span>")
