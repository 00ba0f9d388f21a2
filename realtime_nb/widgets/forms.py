"""Forms for the eleven client events, generated from the wire models; each shows its JSON.

:class:`EventForm` builds one form from the :class:`~realtime_nb.widgets.fields.FieldSpec`
tree of an event class: one editor per field kind (:mod:`~realtime_nb.widgets.editors`),
nested objects as collapsible groups, unions as a selector plus the chosen
variant's fields. Whatever is typed is read back into plain values in the GA
shape and checked by :func:`realtime_nb.wire.validation.convert` (strict, as
the builders check); the event's own ``to_dict(dialect)`` gives the preview.
The form never writes wire JSON itself, so what the preview shows is what
``send_nowait`` sends.

Every change re-checks the event (cheap: no base64 of audio, see
:data:`SUMMARY_BYTES`); the error goes under the field its ``param`` names and
on the form's error line, and Send stays disabled until the event is valid.
:class:`EventForms` holds all eleven behind a dropdown.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..audio.formats import session_format
from ..errors import EventValidationError, RealtimeError
from ..wire.base import ClientEvent, Dialect
from ..wire.client_events import CLIENT_EVENT_TYPES
from ..wire.reprs import describe_audio
from ..wire.validation import convert
from .advice import advise
from .editors import (
    ERROR_STYLE,
    MUTED_STYLE,
    AudioField,
    Editor,
    Group,
    Leaf,
    Picker,
    Problems,
)
from .fields import event_spec, first_line
from .view import View

if TYPE_CHECKING:
    from ..connection.session import RealtimeSession, SendHandle

__all__ = ["EventForm", "EventForms", "SUMMARY_BYTES"]

SUMMARY_BYTES = 192
"""Byte payloads longer than this (256 base64 characters) are summarised in the preview.

The preview is redrawn on every keystroke; base64-encoding a megabyte of audio
each time would make typing lag, and nobody reads it."""

# -- the preview ------------------------------------------------------------------------------


def _lighten(value: Any, path: tuple[str, ...] = ()) -> tuple[Any, list[tuple[tuple[str, ...],
                                                                                 int]]]:
    """``value`` with long byte strings replaced by ``b""``, and where they were (and how long).

    Returns ``value`` itself when nothing is long, so the common case copies nothing.
    """
    if isinstance(value, bytes) and len(value) > SUMMARY_BYTES:
        return b"", [(path, len(value))]
    if isinstance(value, dict):
        found: list[tuple[tuple[str, ...], int]] = []
        light: dict[str, Any] = {}
        for key, item in value.items():
            light[key], more = _lighten(item, (*path, key))
            found.extend(more)
        return (light, found) if found else (value, [])
    return value, []


def _summary(size: int, fmt: str) -> str:
    return f"<base64: {describe_audio(size, fmt)}; summarised here, sent in full>"


def _put(wire: Any, path: tuple[str, ...], text: str) -> None:
    for key in path[:-1]:
        wire = wire.get(key) if isinstance(wire, dict) else None
    if isinstance(wire, dict) and path and path[-1] in wire:
        wire[path[-1]] = text


def _plain(value: Any) -> Any:
    """JSON's ``default=``: bytes as base64, as the wire carries them."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return repr(value)


# -- the form ---------------------------------------------------------------------------------


class EventForm(View):
    """A form for one client event, its JSON beside it, and a Send button.

    Args:
        event: the event's GA ``type`` (``"session.update"``) or class.
        dialect: the dialect previewed while no session is attached; an attached
            session's own dialect (``session.target.dialect``) wins.

    Attributes:
        type: the event's GA ``type``.
        spec: its :class:`~realtime_nb.widgets.fields.FieldSpec` tree.
        preview: the HTML widget showing the JSON as it would be sent.
        error: the form's error line (the first problem, with its field path).
        status: what became of the last send (``sent as evt_...``, a server error).
        advice: what the service would refuse in the session's state now (a second
            ``response.create``, a commit under 100 ms...), from :mod:`.advice`.
        send_button: sends the event with ``session.send_nowait`` (disabled while invalid).
    """

    def __init__(self, event: str | type[ClientEvent], *, dialect: Dialect = "ga") -> None:
        super().__init__()
        self.spec = event_spec(event)
        assert self.spec.tag is not None
        self.type: str = self.spec.tag
        self.event_class = CLIENT_EVENT_TYPES[self.type]
        self._own_dialect: Dialect = dialect
        self.dialect: Dialect = dialect
        self.input_format = "audio/pcm"
        self.pickers: list[Picker] = []
        self.picker_options: dict[str, tuple[str, ...]] = {}
        self.prefilled: list[Leaf] = []
        self._index: dict[str, Editor] | None = None
        self._showing: list[Editor] = []
        self._event: ClientEvent | None = None
        self._problem: EventValidationError | None = None
        self._handle: SendHandle | None = None
        self._failure = ""
        self._items_seen: Any = None
        self._responses_seen: Any = None
        self._ready = False

        self._root = Group(self.spec, self, None)
        doc = first_line(self.event_class)
        self.title = widgets.HTML(f"<b>{html.escape(self.type)}</b> "
                                  f'<span style="{MUTED_STYLE}">{html.escape(doc)}</span>')
        # What the service would refuse in the session's state now (advice.py).
        self.advice = widgets.HTML()
        self.advice.add_class("rtnb-form-advice")
        self.preview = widgets.HTML()
        self.preview.add_class("rtnb-preview")
        self.error = widgets.HTML()
        self.error.add_class("rtnb-form-error")
        self.send_button = widgets.Button(description="Send", button_style="primary",
                                          icon="paper-plane")
        self.send_button.add_class("rtnb-send")
        self.send_button.on_click(lambda _: self.send())
        self.status = widgets.HTML()
        self.status.add_class("rtnb-send-status")
        left = widgets.VBox([self._root.widget, self.error,
                             widgets.HBox([self.send_button, self.status],
                                          layout=widgets.Layout(align_items="center"))],
                            layout=widgets.Layout(flex="1 1 55%", min_width="24em"))
        right = widgets.VBox([self.preview], layout=widgets.Layout(flex="1 1 40%",
                                                                   min_width="18em"))
        self.widget = widgets.VBox([self.title, self.advice, widgets.HBox(
            [left, right], layout=widgets.Layout(flex_flow="row wrap", grid_gap="1em"))])
        self.widget.add_class("rtnb-form")
        self.widget.add_class("rtnb-form-" + self.type.replace(".", "-"))
        self._ready = True
        self.changed()

    # -- what tests and code use -------------------------------------------------------------

    @property
    def fields(self) -> dict[str, widgets.Widget]:
        """The widget of every field shown now, by path (a union's: its selector; a
        variant's fields appear once it is chosen)."""
        return {path: editor.control for path, editor in self._editors().items()}

    @property
    def field_errors(self) -> dict[str, widgets.HTML]:
        """The error line under every field shown now, by path."""
        return {path: editor.error for path, editor in self._editors().items()}

    def set(self, path: str, value: Any) -> None:
        """Put ``value`` in the field at ``path``, as if typed (the preview follows).

        ``UNSET`` leaves the field out, ``None`` sends null; a union takes a variant's
        key or an object whose tag chooses the variant; a JSON field takes the JSON
        text as a string, or any other value to write as JSON; the audio field takes
        bytes in the session's input format, an :class:`~realtime_nb.Audio` or a path.

        Raises:
            KeyError: no field at ``path`` is shown now (choose its variant first).
            ValueError: the field's widget cannot hold ``value`` (not one of its options).
        """
        editor = self._editors().get(path)
        if editor is None:
            raise KeyError(f"{self.type} shows no field {path!r} now (a variant's fields "
                           f"appear once it is chosen); fields: {sorted(self._editors())}")
        editor.set(value)

    def event(self) -> ClientEvent:
        """The event the form holds now, checked for the current dialect.

        Raises:
            EventValidationError: what is wrong, with the field's path as ``param``.
        """
        self.changed()
        if self._event is None:
            assert self._problem is not None
            raise self._problem
        return self._event

    def send(self) -> SendHandle | None:
        """Send the event with ``session.send_nowait`` (never waits); ``None`` if not sent.

        Why nothing was sent (no session, an invalid event, a response in progress, a
        spent budget, a closed connection...) is shown in :attr:`status`.
        """
        self._failure = ""
        self._handle = None
        session = self.session
        try:
            event = self.event()
            if session is None:
                self._failure = "not connected: nothing was sent"
            else:
                self._handle = session.send_nowait(event)
        except EventValidationError as error:
            self._failure = f"not sent: {error.message}"
        except RealtimeError as error:  # ResponseActive, BudgetExceeded, ConnectionClosed...
            text = str(error).removeprefix("not sent: ")
            self._failure = f"not sent: {type(error).__name__}: {text}"
        self._show_status()
        return self._handle

    # -- View ----------------------------------------------------------------------------------

    def attach(self, session: RealtimeSession | None) -> None:
        """Draw and send to ``session`` from now on (``None``: the form's own dialect)."""
        self._items_seen = self._responses_seen = None
        super().attach(session)

    def refresh(self) -> None:
        """Follow the session: dialect and input format, item and response ids, the played
        position, the fate of the last send. Cheap when nothing changed."""
        session = self.session
        dialect: Dialect = self._own_dialect if session is None else session.target.dialect
        fmt = "audio/pcm" if session is None else session_format(session.session, "input")
        if (dialect, fmt) != (self.dialect, self.input_format):
            self.dialect, self.input_format = dialect, fmt
            for editor in self._editors().values():
                if isinstance(editor, AudioField):
                    editor.refit()
            self.changed()
        said = advise(self.type, session)
        self.advice.value = (f'<span style="color:#8a6d00">&#9888; {html.escape(said)}</span>'
                             if said else "")
        if session is None:
            return
        if self.pickers:
            self._refresh_pickers(session)
        if self.prefilled:
            self._refresh_prefilled(session)
        if self._handle is not None:
            self._show_status()  # its reply, or the error the session linked to it

    # -- inside ----------------------------------------------------------------------------------

    def _editors(self) -> dict[str, Editor]:
        if self._index is None:
            self._index = {}
            for editor in self._root.active():
                if editor.spec.path:
                    self._index.setdefault(editor.spec.path, editor)
        return self._index

    def reindex(self) -> None:
        """Forget which fields are shown (a union's variant changed)."""
        self._index = None

    def changed(self) -> None:
        """Check the event again and redraw the preview (a field changed)."""
        if not self._ready:
            return
        problems: Problems = []
        data = self._root.read(problems)
        light, long = _lighten(data)
        wire: dict[str, Any] | None = None
        self._event, self._problem = None, None
        if problems:
            path, message = problems[0]
            self._problem = EventValidationError(f"Invalid '{path}': {message}.", param=path)
        else:
            try:
                event: ClientEvent = convert(data, self.event_class, strict=True)
                shown = event if light is data else convert(light, self.event_class,
                                                            strict=True)
                wire = shown.to_dict(self.dialect)  # raises for what the dialect cannot say
                self._event = event
            except EventValidationError as error:
                self._problem = error
                problems.append((error.param, error.message))
        self._show_problems(problems)
        self._draw_preview(wire if wire is not None else light, long, valid=wire is not None)
        self.send_button.disabled = self._event is None

    def _editor_for(self, param: str) -> Editor | None:
        """The field shown now that ``param`` lies in (``session.tools[0].name`` ->
        the ``session.tools`` editor)."""
        index = self._editors()
        path = param
        while path:
            if path in index:
                return index[path]
            path = path[:max(path.rfind("."), path.rfind("["), 0)]
        return None

    def _show_problems(self, problems: Problems) -> None:
        for editor in self._showing:
            editor.show_error("")
        self._showing = []
        for path, message in problems:
            found = self._editor_for(path)
            if found is not None and found not in self._showing:
                found.show_error(message)
                self._showing.append(found)
        if problems:
            path, message = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            where = f"<code>{html.escape(path)}</code>: " if path else ""
            self.error.value = (f'<span style="{ERROR_STYLE}">✗ {where}'
                                f"{html.escape(message)}{more}</span>")
        else:
            self.error.value = ""

    def _draw_preview(self, wire: Any, long: list[tuple[tuple[str, ...], int]], *,
                      valid: bool) -> None:
        if long:
            wire = json.loads(json.dumps(wire, default=_plain)) if not valid else wire
            for path, size in long:
                _put(wire, path, _summary(size, self.input_format))
        text = json.dumps(wire, indent=2, ensure_ascii=False, default=_plain)
        dialect = "GA" if self.dialect == "ga" else "beta"
        notes = []
        if valid:
            head = f"JSON sent ({dialect} dialect)"
            if "event_id" not in wire:
                notes.append("the session adds an event_id when sending")
        else:
            head = "not valid yet: nothing can be sent (values as entered, GA shape, unchecked)"
        if long:
            notes.append("audio summarised in this preview; the event carries all of it")
        note = "".join(f'<div style="{MUTED_STYLE}">{html.escape(n)}</div>' for n in notes)
        color = "" if valid else ";color:#757575"
        self.preview.value = (f"<div><b>{html.escape(head)}</b></div>{note}"
                              f'<pre style="margin:0;max-height:32em;overflow:auto;'
                              f'font-size:12px{color}">{html.escape(text)}</pre>')

    def _refresh_pickers(self, session: RealtimeSession) -> None:
        kinds = {picker.spec.kind for picker in self.pickers}
        options: dict[str, tuple[str, ...]] = {}
        if "item_id" in kinds:
            items = session.conversation.items
            seen = tuple((item.id, item.status) for item in items)
            if seen != self._items_seen:  # only when items came, went or finished
                self._items_seen = seen
                options["item_id"] = tuple(_item_label(item) for item in items)
        if "response_id" in kinds:
            responses = session.conversation.responses
            seen = tuple((response.id, response.status) for response in responses)
            if seen != self._responses_seen:
                self._responses_seen = seen
                options["response_id"] = tuple(
                    f"{r.id} · {r.status or 'requested'}" for r in reversed(responses))
        self.picker_options.update(options)
        for picker in self.pickers:
            if picker.spec.kind in options:
                picker.set_options(options[picker.spec.kind])

    def _refresh_prefilled(self, session: RealtimeSession) -> None:
        if all(editor.edited for editor in self.prefilled):
            return
        plan = session.playback.plan_interrupt()
        found = {"played_ms": plan.audio_end_ms, "playing_item": plan.item_id}
        for editor in self.prefilled:
            value = found[editor.spec.prefill or ""]
            if value is not None:
                editor.prefill(value)  # no-op once the user typed there

    def _show_status(self) -> None:
        if self._failure:
            self.status.value = f'<span style="{ERROR_STYLE}">{html.escape(self._failure)}</span>'
            return
        handle = self._handle
        if handle is None:
            self.status.value = ""
            return
        verb = {"sent": "sent", "queued": "queued"}.get(handle.status, "not sent (link lost)")
        parts = [f"{verb} as <code>{html.escape(handle.event_id)}</code>"]
        if handle.reply is not None:
            parts.append(f"→ {html.escape(handle.reply.type)}")
        if handle.error is not None:
            parts.append(f'<span style="{ERROR_STYLE}">server error: '
                         f"{html.escape(str(handle.error))}</span>")
        self.status.value = " ".join(parts)


def _item_label(item: Any) -> str:
    """``item_1 · user · Hello th…``: what a picker lists for a conversation item."""
    words = item.text or item.transcript or item.name or item.call_id or ""
    words = " ".join(words.split())
    short = words if len(words) <= 32 else words[:31] + "…"
    parts = [item.id, item.role or item.type or "?"]
    if item.audio_ms:
        parts.append(f"{item.audio_ms:,.0f} ms audio")
    if short:
        parts.append(short)
    return " · ".join(parts)


class EventForms(View):
    """All eleven client event forms behind a dropdown of event types.

    Args:
        dialect: the dialect previewed while no session is attached (a session's wins).
        first: the form shown first (a user message: the first thing most people send).

    Attributes:
        forms: the :class:`EventForm` of each event type (GA ``type``), each built
            the first time it is shown or asked for.
        chooser: the dropdown choosing the form shown.
    """

    def __init__(self, *, dialect: Dialect = "ga", first: str = "conversation.item.create"
                 ) -> None:
        super().__init__()
        self.dialect = dialect
        self.forms = _Forms(self)
        self.chooser = widgets.Dropdown(options=list(CLIENT_EVENT_TYPES), value=first,
                                        description="Event")
        self.chooser.add_class("rtnb-forms-chooser")
        self._shown = widgets.Box([self.forms[first].widget])
        self.chooser.observe(lambda change: self._show(change["new"]), "value")
        self.widget = widgets.VBox([self.chooser, self._shown])
        self.widget.add_class("rtnb-forms")

    @property
    def current(self) -> EventForm:
        """The form shown."""
        return self.forms[self.chooser.value]

    def select(self, event_type: str) -> EventForm:
        """Show the form of ``event_type`` (GA ``type``) and return it.

        Raises:
            KeyError: not a client event type.
        """
        form = self.forms[event_type]
        self.chooser.value = event_type
        return form

    def _show(self, event_type: str) -> None:
        form = self.forms[event_type]
        self._shown.children = (form.widget,)
        form.refresh()  # its pickers may be stale: hidden forms are not redrawn

    def attach(self, session: RealtimeSession | None) -> None:
        """Every form draws and sends to ``session`` from now on."""
        self.session = session
        for form in self.forms.built.values():
            form.attach(session)

    def refresh(self) -> None:
        """Redraw the form shown, and those waiting to hear how their last send went."""
        current = self.current
        current.refresh()
        for form in self._pending():
            if form is not current:
                form.refresh()

    def _pending(self) -> Iterable[EventForm]:
        return (form for form in self.forms.built.values() if form._handle is not None)


class _Forms(Mapping[str, EventForm]):
    """The forms by event type, each built the first time it is asked for.

    A form is a few hundred widgets (``session.update`` alone, most of the
    panel's); each is a model the browser must create before the panel shows,
    and most sessions use a few forms.
    """

    def __init__(self, owner: EventForms) -> None:
        self._owner = owner
        self.built: dict[str, EventForm] = {}

    def __getitem__(self, event_type: str) -> EventForm:
        form = self.built.get(event_type)
        if form is None:
            if event_type not in CLIENT_EVENT_TYPES:
                raise KeyError(event_type)
            form = EventForm(event_type, dialect=self._owner.dialect)
            if self._owner.session is not None:
                form.attach(self._owner.session)
            self.built[event_type] = form
        return form

    def __iter__(self) -> Iterator[str]:
        return iter(CLIENT_EVENT_TYPES)

    def __len__(self) -> int:
        return len(CLIENT_EVENT_TYPES)
