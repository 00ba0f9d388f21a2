"""Forms for the eleven client events, generated from the wire models; each shows its JSON.

:class:`EventForm` builds one form from the :class:`~realtime_nb.widgets.fields.FieldSpec`
tree of an event class: one editor per field kind (a table, :data:`EDITORS`),
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
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import ipywidgets as widgets
import numpy as np

from ..audio import Audio, load_audio
from ..audio.formats import bytes_per_ms, session_format
from ..errors import EventValidationError, RealtimeError
from ..wire.base import UNSET, ClientEvent, Dialect
from ..wire.client_events import CLIENT_EVENT_TYPES
from ..wire.validation import convert
from .fields import FieldKind, FieldSpec, Variant, event_spec
from .view import View

if TYPE_CHECKING:
    from ..connection.session import RealtimeSession, SendHandle

__all__ = ["EventForm", "EventForms", "EDITORS", "NOT_SENT", "SUMMARY_BYTES"]

NOT_SENT = "(not sent)"
"""How a form shows a field that is left out of the event."""

SUMMARY_BYTES = 192
"""Byte payloads longer than this (256 base64 characters) are summarised in the preview.

The preview is redrawn on every keystroke; base64-encoding a megabyte of audio
each time would make typing lag, and nobody reads it."""

_LABEL = widgets.Layout(width="11em", min_width="11em")
_WIDE = widgets.Layout(width="22em")
_ERROR_STYLE = "color:#c62828"
_MUTED_STYLE = "color:#757575;font-size:90%"

Problems = list[tuple[str, str]]
"""Input problems found while reading a form: ``(field path, message)``."""


def _label(spec: FieldSpec) -> widgets.HTML:
    star = '<span style="color:#c62828" title="required">*</span>' if spec.required else ""
    tip = html.escape(f"{spec.path}: {spec.type_name}", quote=True)
    return widgets.HTML(f'<span title="{tip}"><b>{html.escape(spec.name)}</b>{star}</span>',
                        layout=_LABEL)


def _muted(text: str) -> widgets.HTML:
    return widgets.HTML(f'<span style="{_MUTED_STYLE}">{html.escape(text)}</span>')


class _Null:
    """A dropdown's "null" option: a Dropdown takes ``None`` to mean "nothing chosen"."""

    def __repr__(self) -> str:
        return "null"


_NULL = _Null()


def _absent(spec: FieldSpec) -> list[tuple[str, Any]]:
    """The dropdown options for leaving a field out, or sending null, where it may be."""
    options: list[tuple[str, Any]] = []
    if not spec.required:
        options.append((NOT_SENT, UNSET))
    if spec.nullable:
        options.append(("null", _NULL))
    return options


def _from_option(value: Any) -> Any:
    return None if value is _NULL else value


def _to_option(value: Any) -> Any:
    return _NULL if value is None else value


# -- editors: one per field kind -------------------------------------------------------------


class _Editor:
    """The widgets of one field: read its value into the event, take a value from code.

    ``read`` returns the value to send, ``UNSET`` to leave the field out, or
    ``None`` for JSON null; input it cannot read (bad JSON, a word in a number
    box) is added to ``problems`` instead.
    """

    widget: widgets.Widget
    control: widgets.Widget

    def __init__(self, spec: FieldSpec, form: EventForm, parent: _Editor | None) -> None:
        self.spec = spec
        self.form = form
        self.parent = parent
        self.error = widgets.HTML(layout=widgets.Layout(display="none"))
        self.error.add_class("rtnb-field-error")

    def read(self, problems: Problems) -> Any:
        """The field's value for the event (``UNSET``: leave it out)."""
        raise NotImplementedError

    def set(self, value: Any) -> None:
        """Show ``value`` (``UNSET``: not sent; ``None``: null), as if typed."""
        raise NotImplementedError

    def active(self) -> Iterator[_Editor]:
        """This editor and those below it that the form shows now (chosen variants only)."""
        yield self

    def show_error(self, message: str) -> None:
        """Show ``message`` under the field (``""``: none), opening the groups around it."""
        self.error.value = (f'<span style="{_ERROR_STYLE}">{html.escape(message)}</span>'
                            if message else "")
        self.error.layout.display = None if message else "none"
        if message and self.parent is not None:
            self.parent.reveal()

    def reveal(self) -> None:
        """Make this editor visible (a collapsed group opens)."""
        if self.parent is not None:
            self.parent.reveal()


class _Leaf(_Editor):
    """A field edited by one widget, with a "null" box beside it where null is allowed
    and the widget cannot say null itself."""

    says_null: ClassVar[bool] = False
    """The widget offers null itself (a dropdown option, JSON ``null``)."""

    def __init__(self, spec: FieldSpec, form: EventForm, parent: _Editor | None) -> None:
        super().__init__(spec, form, parent)
        self.edited = False
        self._quiet = False
        self.control = self.make_control()
        self.null: widgets.Checkbox | None = None
        parts: list[widgets.Widget] = [_label(spec), self.control, *self.extras()]
        if spec.nullable and not self.says_null:
            self.null = widgets.Checkbox(value=False, description="null", indent=False,
                                         layout=widgets.Layout(width="5em"))
            self.null.observe(self._null_changed, "value")
            parts.append(self.null)
        parts.append(_muted(spec.summary))
        if spec.default is not UNSET:
            self.prefill(spec.default)  # before observing: a form being built is not re-read
        self.control.observe(self._changed, "value")
        row = widgets.HBox(parts, layout=widgets.Layout(align_items="center",
                                                        flex_flow="row wrap"))
        self.widget = widgets.VBox([row, self.error])

    def make_control(self) -> widgets.Widget:
        """The widget holding the value."""
        raise NotImplementedError

    def extras(self) -> list[widgets.Widget]:
        """Widgets shown after the control (a template button...)."""
        return []

    def value(self) -> Any:
        """The control's value as the event takes it (``UNSET``: leave out).

        Raises:
            ValueError: the input cannot be read; the message says why.
        """
        raise NotImplementedError

    def show(self, value: Any) -> None:
        """Put ``value`` (never ``None``) into the control."""
        raise NotImplementedError

    def _changed(self, change: Any = None) -> None:
        if not self._quiet:
            # An emptied field follows its prefill source again (audio_end_ms).
            self.edited = self.control.value not in ("", (), None)
        self.form.changed()

    def _null_changed(self, change: Any) -> None:
        self.control.disabled = bool(change["new"])
        self._changed()

    def read(self, problems: Problems) -> Any:
        """See :meth:`_Editor.read`."""
        if self.null is not None and self.null.value:
            return None
        try:
            return self.value()
        except ValueError as error:
            problems.append((self.spec.path, str(error)))
            return UNSET

    def set(self, value: Any) -> None:
        """See :meth:`_Editor.set`."""
        if self.null is not None:
            self.null.value = value is None
            if value is None:
                return
        elif value is None and not self.says_null:
            raise ValueError(f"{self.spec.path!r} does not take null")
        self.show(value)

    def prefill(self, value: Any) -> None:
        """Show ``value`` unless the user has edited the field (a default, the played ms)."""
        if self.edited:
            return
        self._quiet = True
        try:
            self.show(value)
        finally:
            self._quiet = False


class _Choice(_Leaf):
    """One value of a set: a Dropdown; a Combobox for an open set (any name may be typed,
    to see what the service says of it)."""

    says_null = True

    def make_control(self) -> widgets.Widget:
        spec = self.spec
        if spec.open:
            return widgets.Combobox(options=[str(c) for c in spec.choices], ensure_option=False,
                                    placeholder="" if spec.required else NOT_SENT)
        options = _absent(spec) + [(str(choice), choice) for choice in spec.choices]
        return widgets.Dropdown(options=options, value=options[0][1])

    def value(self) -> Any:
        value = self.control.value
        if self.spec.open:
            return UNSET if value == "" else value
        return _from_option(value)

    def show(self, value: Any) -> None:
        if self.spec.open:
            self.control.value = "" if value is UNSET else str(value)
            return
        allowed = [option for _, option in self.control.options]
        value = _to_option(value)
        if value is UNSET and UNSET not in allowed:
            value = allowed[0]  # a required field cannot be left out: back to its first value
        if value not in allowed:
            raise ValueError(f"{value!r} is not an option of {self.spec.path!r}; "
                             f"options: {allowed!r}")
        self.control.value = value


class _Bool(_Choice):
    """true or false (or not sent, or null): a Dropdown, since a checkbox cannot say "not sent"."""

    def make_control(self) -> widgets.Widget:
        options = [*_absent(self.spec), ("true", True), ("false", False)]
        return widgets.Dropdown(options=options, value=options[0][1],
                                layout=widgets.Layout(width="9em"))


class _Number(_Leaf):
    """A number typed as text: empty is "not sent", and out-of-bounds values stay visible
    (a bounded widget would clamp them silently instead of showing the service's refusal)."""

    def make_control(self) -> widgets.Widget:
        spec = self.spec
        hint = spec.bounds.describe() or ("" if spec.required else NOT_SENT)
        if spec.specials:
            return widgets.Combobox(options=[str(s) for s in spec.specials],
                                    ensure_option=False, placeholder=hint)
        return widgets.Text(placeholder=hint, layout=widgets.Layout(width="12em"))

    def value(self) -> Any:
        text = self.control.value.strip()
        if not text:
            return UNSET
        for special in self.spec.specials:
            if text == str(special):
                return special
        try:
            number: float = int(text) if self.spec.kind == "int" else float(text)
        except ValueError:
            whole = "a whole number" if self.spec.kind == "int" else "a number"
            also = "".join(f" or {s!r}" for s in self.spec.specials)
            raise ValueError(f"expected {whole}{also}, got {text!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"expected a finite number, got {text!r}")
        return number

    def show(self, value: Any) -> None:
        self.control.value = "" if value is UNSET else str(value)


class _Text(_Leaf):
    """Text; long text in a Textarea; a Combobox where there are suggestions."""

    def make_control(self) -> widgets.Widget:
        spec = self.spec
        hint = "" if spec.required else NOT_SENT
        if spec.kind == "long_text":
            return widgets.Textarea(placeholder=hint,
                                    layout=widgets.Layout(width="28em", height="5em"))
        if spec.suggestions:
            return widgets.Combobox(options=list(spec.suggestions), ensure_option=False,
                                    placeholder=hint, layout=_WIDE)
        return widgets.Text(placeholder=hint, layout=_WIDE)

    def value(self) -> Any:
        text: str = self.control.value
        if text:
            return text
        # Empty: left out, unless the field is required and "" is a value it takes.
        return "" if self.spec.required and not self.spec.bounds.min_length else UNSET

    def show(self, value: Any) -> None:
        self.control.value = "" if value is UNSET else str(value)


class _Picker(_Text):
    """An id of the conversation's items or responses: a Combobox listing them (id, role,
    the start of the text), which also takes any id typed."""

    def make_control(self) -> widgets.Widget:
        self.form.pickers.append(self)
        hint = "" if self.spec.required else NOT_SENT
        # A variant built after the ids were listed starts with the list the others have.
        known = self.form.picker_options.get(self.spec.kind, ())
        return widgets.Combobox(options=[*self.spec.suggestions, *known], ensure_option=False,
                                placeholder=hint or "an id", layout=_WIDE)

    def value(self) -> Any:
        words = self.control.value.split()
        # An option reads "item_1 · user · Hello": the id is its first word.
        return words[0] if words else super().value()

    def set_options(self, options: tuple[str, ...]) -> None:
        """List ``options`` (after the field's own suggestions, such as ``"root"``)."""
        wanted = (*self.spec.suggestions, *options)
        if tuple(self.control.options) != wanted:
            self.control.options = wanted


class _TextList(_Leaf):
    """A list of strings (transcription ``languages``, ``keywords``): tags."""

    def make_control(self) -> widgets.Widget:
        return widgets.TagsInput(value=[], allow_duplicates=False)

    def value(self) -> Any:
        return list(self.control.value) or UNSET

    def show(self, value: Any) -> None:
        self.control.value = [] if value is UNSET else [str(v) for v in value]


class _MultiChoice(_Leaf):
    """A list of values of a set (``output_modalities``): a SelectMultiple; none chosen is
    "not sent"."""

    def make_control(self) -> widgets.Widget:
        options = [(str(choice), choice) for choice in self.spec.choices]
        return widgets.SelectMultiple(options=options, value=(),
                                      rows=min(len(options), 4),
                                      layout=widgets.Layout(width="22em"))

    def value(self) -> Any:
        return list(self.control.value) or UNSET

    def show(self, value: Any) -> None:
        values = () if value is UNSET else tuple(value)
        allowed = self.spec.choices
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise ValueError(f"{wrong!r} not among the options of {self.spec.path!r}: "
                             f"{list(allowed)!r}")
        self.control.value = values


class _Json(_Leaf):
    """Any JSON value, typed (a Textarea checked as you type); a button puts in a template
    made from the type, or the field's example."""

    says_null = True

    def make_control(self) -> widgets.Widget:
        example = json.dumps(self.spec.example, indent=2)
        start = example if self.spec.required else ""
        control = widgets.Textarea(value=start, placeholder=example,
                                   layout=widgets.Layout(width="28em", height="7em"))
        control.add_class("rtnb-json")
        return control

    def extras(self) -> list[widgets.Widget]:
        button = widgets.Button(description="template", tooltip="Replace with a template",
                                layout=widgets.Layout(width="6em"))
        button.on_click(lambda _: self.show(json.dumps(self.spec.example, indent=2)))
        return [button]

    def value(self) -> Any:
        text = self.control.value.strip()
        if not text:
            return UNSET
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"invalid JSON: {error.msg} "
                             f"(line {error.lineno}, column {error.colno})") from None

    def show(self, value: Any) -> None:
        """A string is taken as the JSON text itself; anything else is written as JSON."""
        if isinstance(value, str):
            self.control.value = value
        else:
            self.control.value = "" if value is UNSET else json.dumps(value, indent=2)

    def set(self, value: Any) -> None:
        """See :meth:`_Editor.set` (``None`` writes ``null``)."""
        self.show("null" if value is None else value)


class _Audio(_Leaf):
    """Audio bytes for ``input_audio_buffer.append``: a file (anything
    :func:`~realtime_nb.load_audio` reads) or a generated tone or silence, converted to
    the session's input format, as ``send_audio`` converts it."""

    def make_control(self) -> widgets.Widget:
        self._clip: Audio | None = None
        self._raw: bytes | None = None
        self._source = ""
        self._wire: tuple[str, bytes] | None = None
        self._problem = ""
        upload = widgets.FileUpload(accept="audio/*,.wav,.flac,.ogg,.mp3", multiple=False,
                                    description="file")
        return upload

    def extras(self) -> list[widgets.Widget]:
        self.length = widgets.Text(value="1000", layout=widgets.Layout(width="6em"),
                                   tooltip="milliseconds")
        self.sound = widgets.Dropdown(options=[("ms of silence", "silence"),
                                               ("ms of 440 Hz", "tone")],
                                      value="silence", layout=widgets.Layout(width="9em"))
        make = widgets.Button(description="make", layout=widgets.Layout(width="5em"))
        make.on_click(lambda _: self._generate())
        self.about = widgets.HTML()
        self._describe()
        return [self.length, self.sound, make, self.about]

    def _changed(self, change: Any = None) -> None:
        files = self.control.value
        if not files:
            return
        upload = files[0]
        # Emptied once read: the file's bytes would otherwise stay in the widget's state
        # (and in a notebook saved with it).
        self.control.value = ()
        try:
            self._take(load_audio(bytes(upload["content"])), source=upload["name"])
        except (ValueError, TypeError, RuntimeError) as error:
            self._problem = f"cannot read {upload['name']!r}: {error}"
            self._describe()
            self.form.changed()

    def _generate(self) -> None:
        try:
            ms = float(self.length.value)
            if not 0 < ms <= 600_000:
                raise ValueError
        except ValueError:
            self._problem = f"expected a length in ms from 1 to 600000, got {self.length.value!r}"
            self._describe()
            self.form.changed()
            return
        count = round(ms * 24)  # 24 kHz
        if self.sound.value == "tone":
            times = np.arange(count) / 24_000
            samples = np.round(np.sin(2 * np.pi * 440 * times) * 0.3 * 32767).astype(np.int16)
        else:
            samples = np.zeros(count, dtype=np.int16)
        self._take(Audio(samples), source=f"{ms:g} ms of {self.sound.label}")

    def _take(self, clip: Audio | None, raw: bytes | None = None, source: str = "") -> None:
        self._clip, self._raw, self._wire, self._problem = clip, raw, None, ""
        self._source = source
        self._describe()
        self.form.changed()

    def _describe(self) -> None:
        if self._problem:
            self.about.value = f'<span style="{_ERROR_STYLE}">{html.escape(self._problem)}</span>'
            return
        data = self.value()
        if data is UNSET:
            self.about.value = f'<span style="{_MUTED_STYLE}">no audio yet</span>'
            return
        fmt = self.form.input_format
        source = f"{self._source}: " if self._source else ""
        self.about.value = (f'<span style="{_MUTED_STYLE}">{html.escape(source)}'
                            f"{len(data):,} bytes, {len(data) / bytes_per_ms(fmt):,.0f} ms "
                            f"of {fmt}</span>")

    def value(self) -> Any:
        if self._problem:
            raise ValueError(self._problem)
        if self._clip is not None:
            fmt = self.form.input_format
            if self._wire is None or self._wire[0] != fmt:
                self._wire = (fmt, self._clip.to_wire(fmt))  # once per clip and format
            return self._wire[1]
        return UNSET if self._raw is None else self._raw

    def show(self, value: Any) -> None:
        """Bytes are taken as they are (already in the session's input format); an
        :class:`~realtime_nb.Audio` clip or a path is converted to that format."""
        if value is UNSET:
            self._take(None)
        elif isinstance(value, (bytes, bytearray, memoryview)):
            self._take(None, bytes(value))
        elif isinstance(value, Audio):
            self._take(value, source="clip")
        elif isinstance(value, (str, os.PathLike)):
            self._take(load_audio(value), source=os.fspath(value))
        else:
            raise ValueError(f"{self.spec.path!r} takes bytes, an rt.Audio clip or a path, "
                             f"not {type(value).__name__}")

    def refit(self) -> None:
        """Say again what the audio is (the session's input format changed)."""
        self._describe()


class _Struct(_Editor):
    """An object: its fields, in a collapsible group. Sent when any of its fields is (or
    always, when required, chosen as a union's variant, or the event itself)."""

    def __init__(self, spec: FieldSpec, form: EventForm, parent: _Editor | None, *,
                 shown: bool = False) -> None:
        super().__init__(spec, form, parent)
        self.always = shown or spec.required
        self.children = [make_editor(child, form, self) for child in spec.children]
        box = widgets.VBox([child.widget for child in self.children])
        self.accordion: widgets.Accordion | None = None
        if shown or not spec.path:
            self.widget = box
        else:
            title = f"{spec.name} · {spec.type_name}" + (" *" if spec.required else "")
            self.accordion = widgets.Accordion(children=[box], titles=(title,),
                                               selected_index=None)
            self.widget = widgets.VBox([self.accordion, self.error])
        if spec.doc and spec.path:
            box.children = (_muted(spec.doc), *box.children)
        self.control = self.widget

    def read(self, problems: Problems) -> Any:
        """See :meth:`_Editor.read`."""
        result: dict[str, Any] = {}
        if self.spec.tag_field is not None and self.spec.tag is not None:
            result[self.spec.tag_field] = self.spec.tag
        sent = False
        for child in self.children:
            value = child.read(problems)
            if value is not UNSET:
                result[child.spec.name] = value
                sent = True
        return result if sent or self.always else UNSET

    def set(self, value: Any) -> None:
        """A mapping sets the fields it names; ``UNSET`` clears every field."""
        if value is UNSET:
            for child in self.children:
                child.set(UNSET)
            return
        if not isinstance(value, Mapping):
            raise ValueError(f"{self.spec.path!r} takes an object (a dict), not {value!r}")
        by_name = {child.spec.name: child for child in self.children}
        for key, item in value.items():
            if key == self.spec.tag_field and key not in by_name:
                continue
            if key not in by_name:
                raise ValueError(f"{self.spec.path or self.form.type!r} has no field {key!r}; "
                                 f"fields: {sorted(by_name)}")
            by_name[key].set(item)

    def active(self) -> Iterator[_Editor]:
        """See :meth:`_Editor.active`."""
        yield self
        for child in self.children:
            yield from child.active()

    def reveal(self) -> None:
        """Open this group (and those around it)."""
        if self.accordion is not None:
            self.accordion.selected_index = 0
        super().reveal()


class _Union(_Editor):
    """One of several variants: a selector, and below it the chosen object's fields
    (built the first time that variant is chosen)."""

    def __init__(self, spec: FieldSpec, form: EventForm, parent: _Editor | None) -> None:
        super().__init__(spec, form, parent)
        self.variants = {variant.key: variant for variant in spec.variants}
        self.bodies: dict[str, _Struct] = {}
        if spec.open:
            # An open set (voices): any name may be typed; objects are chosen by their key.
            self.control = widgets.Combobox(options=list(self.variants), ensure_option=False,
                                            placeholder="" if spec.required else NOT_SENT)
        else:
            options = _absent(spec) + [(v.label, v.key) for v in spec.variants]
            self.control = widgets.Dropdown(options=options, value=options[0][1])
        self.body = widgets.VBox(layout=widgets.Layout(margin="0 0 0 1.5em",
                                                       border_left="2px solid #ddd",
                                                       padding="0 0 0 .5em"))
        row = widgets.HBox([_label(spec), self.control, _muted(spec.summary)],
                           layout=widgets.Layout(align_items="center"))
        self.widget = widgets.VBox([row, self.error, self.body])
        self._show_body()
        self.control.observe(self._chosen, "value")

    def selection(self) -> Any:
        """``UNSET``, ``None``, the chosen :class:`Variant`, or a typed name (open sets)."""
        value = self.control.value
        if self.spec.open and value == "":
            return UNSET
        if isinstance(value, str):
            return self.variants.get(value, value)
        return _from_option(value)

    def _body(self, variant: Variant) -> _Struct:
        body = self.bodies.get(variant.key)
        if body is None:
            assert variant.struct is not None
            body = self.bodies[variant.key] = _Struct(variant.struct, self.form, self,
                                                      shown=True)
        return body

    def _show_body(self) -> None:
        chosen = self.selection()
        if isinstance(chosen, Variant) and chosen.struct is not None:
            self.body.children = (self._body(chosen).widget,)
        else:
            self.body.children = ()

    def _chosen(self, change: Any) -> None:
        self._show_body()
        self.form.reindex()
        self.form.changed()

    def read(self, problems: Problems) -> Any:
        """See :meth:`_Editor.read`."""
        chosen = self.selection()
        if isinstance(chosen, Variant):
            return chosen.value if chosen.struct is None else self._body(chosen).read(problems)
        return chosen

    def set(self, value: Any) -> None:
        """A variant's key or literal value, ``UNSET``/``None``, a name (open sets), or an
        object (a dict) whose tag chooses the variant and whose keys set its fields."""
        if isinstance(value, Mapping):
            variant = self._variant_of(value)
            self.control.value = variant.key
            self._body(variant).set(value)
            return
        if value is UNSET or value is None:
            absent = [option for _, option in _absent(self.spec)]
            if _to_option(value) not in absent and not (self.spec.open and value is UNSET):
                raise ValueError(f"{self.spec.path!r} cannot be "
                                 f"{'left out' if value is UNSET else 'null'}")
            self.control.value = "" if self.spec.open else _to_option(value)
            return
        for variant in self.spec.variants:
            if value == variant.key or (variant.struct is None and value == variant.value):
                self.control.value = variant.key
                return
        if self.spec.open and isinstance(value, str):
            self.control.value = value
            return
        raise ValueError(f"{value!r} is not a variant of {self.spec.path!r}; "
                         f"variants: {list(self.variants)}")

    def _variant_of(self, value: Mapping[str, Any]) -> Variant:
        objects = [v for v in self.spec.variants if v.struct is not None]
        for variant in objects:
            body = variant.struct
            assert body is not None
            if body.tag_field is not None and value.get(body.tag_field) == body.tag:
                return variant
        untagged = [v for v in objects if v.struct is not None and v.struct.tag is None]
        if len(untagged) == 1:
            return untagged[0]
        raise ValueError(f"{value!r} names no variant of {self.spec.path!r}; "
                         f"variants: {list(self.variants)}")

    def active(self) -> Iterator[_Editor]:
        """This selector, then the chosen variant's fields (they share its path)."""
        yield self
        chosen = self.selection()
        if isinstance(chosen, Variant) and chosen.struct is not None:
            for child in self._body(chosen).children:
                yield from child.active()


EDITORS: dict[FieldKind, Callable[[FieldSpec, EventForm, _Editor | None], _Editor]] = {
    "choice": _Choice,
    "multi_choice": _MultiChoice,
    "int": _Number,
    "float": _Number,
    "bool": _Bool,
    "text": _Text,
    "long_text": _Text,
    "text_list": _TextList,
    "json": _Json,
    "audio": _Audio,
    "item_id": _Picker,
    "response_id": _Picker,
    "struct": _Struct,
    "union": _Union,
}
"""The editor of each field kind: the one place that maps kinds to widgets."""


def make_editor(spec: FieldSpec, form: EventForm, parent: _Editor | None) -> _Editor:
    """The editor of ``spec``, by its kind."""
    editor = EDITORS[spec.kind](spec, form, parent)
    if spec.prefill is not None and isinstance(editor, _Leaf):
        form.prefilled.append(editor)
    return editor


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
    length = 4 * math.ceil(size / 3)
    return (f"<{size:,} bytes = {size / bytes_per_ms(fmt):,.0f} ms of {fmt}; "
            f"{length:,} base64 characters, summarised here, sent in full>")


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
        self.pickers: list[_Picker] = []
        self.picker_options: dict[str, tuple[str, ...]] = {}
        self.prefilled: list[_Leaf] = []
        self._index: dict[str, _Editor] | None = None
        self._showing: list[_Editor] = []
        self._event: ClientEvent | None = None
        self._problem: EventValidationError | None = None
        self._handle: SendHandle | None = None
        self._failure = ""
        self._server_error = ""
        self._errors_seen: tuple[int, Any] = (0, None)
        self._items_seen: Any = None
        self._responses_seen: Any = None
        self._ready = False

        self._root = _Struct(self.spec, self, None)
        doc = (self.event_class.__doc__ or "").strip().splitlines()[0]
        self.title = widgets.HTML(f"<b>{html.escape(self.type)}</b> "
                                  f'<span style="{_MUTED_STYLE}">{html.escape(doc)}</span>')
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
        self.widget = widgets.VBox([self.title, widgets.HBox(
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
        self._failure = self._server_error = ""
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
        self._errors_seen = (0, None)
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
                if isinstance(editor, _Audio):
                    editor.refit()
            self.changed()
        if session is None:
            return
        if self.pickers:
            self._refresh_pickers(session)
        if self.prefilled:
            self._refresh_prefilled(session)
        if self._handle is not None:
            self._refresh_sent(session)

    # -- inside ----------------------------------------------------------------------------------

    def _editors(self) -> dict[str, _Editor]:
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

    def _editor_for(self, param: str) -> _Editor | None:
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
            self.error.value = (f'<span style="{_ERROR_STYLE}">✗ {where}'
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
        note = "".join(f'<div style="{_MUTED_STYLE}">{html.escape(n)}</div>' for n in notes)
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

    def _refresh_sent(self, session: RealtimeSession) -> None:
        handle = self._handle
        assert handle is not None
        errors = session.errors
        seen = (len(errors), errors[-1] if errors else None)
        if seen != self._errors_seen and not self._server_error:
            self._errors_seen = seen
            for error in reversed(errors):
                if _caused_by(error, handle.event_id):
                    self._server_error = str(error)
                    break
        self._show_status()

    def _show_status(self) -> None:
        if self._failure:
            self.status.value = f'<span style="{_ERROR_STYLE}">{html.escape(self._failure)}</span>'
            return
        handle = self._handle
        if handle is None:
            self.status.value = ""
            return
        verb = {"sent": "sent", "queued": "queued"}.get(handle.status, "not sent (link lost)")
        parts = [f"{verb} as <code>{html.escape(handle.event_id)}</code>"]
        if handle.reply is not None:
            parts.append(f"→ {html.escape(handle.reply.type)}")
        if self._server_error:
            parts.append(f'<span style="{_ERROR_STYLE}">server error: '
                         f"{html.escape(self._server_error)}</span>")
        self.status.value = " ".join(parts)


def _caused_by(error: Any, event_id: str) -> bool:
    """Whether a :class:`~realtime_nb.ServerError` names the client event ``event_id``."""
    cause = getattr(error.client_event, "event_id", None)
    named = getattr(getattr(error.event, "error", None), "event_id", None)
    return event_id in (cause, named)


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

    Attributes:
        forms: the :class:`EventForm` of each event type (GA ``type``).
        chooser: the dropdown choosing the form shown.
    """

    def __init__(self, *, dialect: Dialect = "ga") -> None:
        super().__init__()
        self.forms: dict[str, EventForm] = {
            name: EventForm(name, dialect=dialect) for name in CLIENT_EVENT_TYPES}
        first = next(iter(self.forms))
        self.chooser = widgets.Dropdown(options=list(self.forms), value=first,
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
        for form in self.forms.values():
            form.attach(session)

    def refresh(self) -> None:
        """Redraw the form shown, and those waiting to hear how their last send went."""
        current = self.current
        current.refresh()
        for form in self._pending():
            if form is not current:
                form.refresh()

    def _pending(self) -> Iterable[EventForm]:
        return (form for form in self.forms.values() if form._handle is not None)
