"""The editors a generated form is made of: one per field kind (:data:`EDITORS`).

Each editor shows one field of an event (a leaf: a dropdown, a number, a text, a
JSON editor, an audio picker, an item picker) or a group of them (a nested
object as a collapsible group, a union as a selector plus the chosen variant's
fields), and reads what is typed back into the plain GA value. The form
(:mod:`realtime_nb.widgets.forms`) checks that value and previews it; editors
only know their own field.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import ipywidgets as widgets
import numpy as np

from ..audio import Audio, load_audio
from ..audio.formats import bytes_per_ms
from ..wire.base import UNSET
from .fields import FieldKind, FieldSpec, Variant

if TYPE_CHECKING:
    from .forms import EventForm

__all__ = ["EDITORS", "NOT_SENT", "Problems", "make_editor", "Editor", "Leaf", "Group",
           "AudioField", "Picker", "ERROR_STYLE", "MUTED_STYLE"]

NOT_SENT = "(not sent)"
"""How a form shows a field that is left out of the event."""

_LABEL = widgets.Layout(width="11em", min_width="11em")
_WIDE = widgets.Layout(width="22em")
ERROR_STYLE = "color:#c62828"
"""How errors are coloured, under fields and on the form's line."""
MUTED_STYLE = "color:#757575;font-size:90%"
"""How hints and notes are shown."""

Problems = list[tuple[str, str]]
"""Input problems found while reading a form: ``(field path, message)``."""


def _label(spec: FieldSpec) -> widgets.HTML:
    star = '<span style="color:#c62828" title="required">*</span>' if spec.required else ""
    tip = html.escape(f"{spec.path}: {spec.type_name}", quote=True)
    return widgets.HTML(f'<span title="{tip}"><b>{html.escape(spec.name)}</b>{star}</span>',
                        layout=_LABEL)


def _muted(text: str) -> widgets.HTML:
    return widgets.HTML(f'<span style="{MUTED_STYLE}">{html.escape(text)}</span>')


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


class Editor:
    """The widgets of one field: read its value into the event, take a value from code.

    ``read`` returns the value to send, ``UNSET`` to leave the field out, or
    ``None`` for JSON null; input it cannot read (bad JSON, a word in a number
    box) is added to ``problems`` instead.
    """

    widget: widgets.Widget
    control: widgets.Widget

    def __init__(self, spec: FieldSpec, form: EventForm, parent: Editor | None) -> None:
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

    def active(self) -> Iterator[Editor]:
        """This editor and those below it that the form shows now (chosen variants only)."""
        yield self

    def show_error(self, message: str) -> None:
        """Show ``message`` under the field (``""``: none), opening the groups around it."""
        self.error.value = (f'<span style="{ERROR_STYLE}">{html.escape(message)}</span>'
                            if message else "")
        self.error.layout.display = None if message else "none"
        if message and self.parent is not None:
            self.parent.reveal()

    def reveal(self) -> None:
        """Make this editor visible (a collapsed group opens)."""
        if self.parent is not None:
            self.parent.reveal()


class Leaf(Editor):
    """A field edited by one widget, with a "null" box beside it where null is allowed
    and the widget cannot say null itself."""

    says_null: ClassVar[bool] = False
    """The widget offers null itself (a dropdown option, JSON ``null``)."""

    def __init__(self, spec: FieldSpec, form: EventForm, parent: Editor | None) -> None:
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
        """See :meth:`Editor.read`."""
        if self.null is not None and self.null.value:
            return None
        try:
            return self.value()
        except ValueError as error:
            problems.append((self.spec.path, str(error)))
            return UNSET

    def set(self, value: Any) -> None:
        """See :meth:`Editor.set`."""
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


class _Choice(Leaf):
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


class _Number(Leaf):
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


class _Text(Leaf):
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


class Picker(_Text):
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


class _TextList(Leaf):
    """A list of strings (transcription ``languages``, ``keywords``): tags."""

    def make_control(self) -> widgets.Widget:
        return widgets.TagsInput(value=[], allow_duplicates=False)

    def value(self) -> Any:
        return list(self.control.value) or UNSET

    def show(self, value: Any) -> None:
        self.control.value = [] if value is UNSET else [str(v) for v in value]


class _MultiChoice(Leaf):
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


class _Json(Leaf):
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
        """See :meth:`Editor.set` (``None`` writes ``null``)."""
        self.show("null" if value is None else value)


class AudioField(Leaf):
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
            self.about.value = f'<span style="{ERROR_STYLE}">{html.escape(self._problem)}</span>'
            return
        data = self.value()
        if data is UNSET:
            self.about.value = f'<span style="{MUTED_STYLE}">no audio yet</span>'
            return
        fmt = self.form.input_format
        source = f"{self._source}: " if self._source else ""
        self.about.value = (f'<span style="{MUTED_STYLE}">{html.escape(source)}'
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


class Group(Editor):
    """An object: its fields, in a collapsible group. Sent when any of its fields is (or
    always, when required, chosen as a union's variant, or the event itself)."""

    def __init__(self, spec: FieldSpec, form: EventForm, parent: Editor | None, *,
                 shown: bool = False) -> None:
        super().__init__(spec, form, parent)
        self.always = shown or spec.required
        self.children = [make_editor(child, form, self) for child in spec.children]
        box = widgets.VBox([child.widget for child in self.children
                            if not child.spec.server_set])
        server_set = [child.widget for child in self.children if child.spec.server_set]
        if server_set:  # kept (the models take them), but out of a learner's way
            box.children = (*box.children, widgets.Accordion(
                children=[widgets.VBox(server_set)], selected_index=None,
                titles=("set by the server (sent only if filled in)",)))
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
        """See :meth:`Editor.read`."""
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

    def active(self) -> Iterator[Editor]:
        """See :meth:`Editor.active`."""
        yield self
        for child in self.children:
            yield from child.active()

    def reveal(self) -> None:
        """Open this group (and those around it)."""
        if self.accordion is not None:
            self.accordion.selected_index = 0
        super().reveal()


class _Union(Editor):
    """One of several variants: a selector, and below it the chosen object's fields
    (built the first time that variant is chosen)."""

    def __init__(self, spec: FieldSpec, form: EventForm, parent: Editor | None) -> None:
        super().__init__(spec, form, parent)
        self.variants = {variant.key: variant for variant in spec.variants}
        self.bodies: dict[str, Group] = {}
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

    def _body(self, variant: Variant) -> Group:
        body = self.bodies.get(variant.key)
        if body is None:
            assert variant.struct is not None
            body = self.bodies[variant.key] = Group(variant.struct, self.form, self,
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
        """See :meth:`Editor.read`."""
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

    def active(self) -> Iterator[Editor]:
        """This selector, then the chosen variant's fields (they share its path)."""
        yield self
        chosen = self.selection()
        if isinstance(chosen, Variant) and chosen.struct is not None:
            for child in self._body(chosen).children:
                yield from child.active()


EDITORS: dict[FieldKind, Callable[[FieldSpec, EventForm, Editor | None], Editor]] = {
    "choice": _Choice,
    "multi_choice": _MultiChoice,
    "int": _Number,
    "float": _Number,
    "bool": _Bool,
    "text": _Text,
    "long_text": _Text,
    "text_list": _TextList,
    "json": _Json,
    "audio": AudioField,
    "item_id": Picker,
    "response_id": Picker,
    "struct": Group,
    "union": _Union,
}
"""The editor of each field kind: the one place that maps kinds to widgets."""


def make_editor(spec: FieldSpec, form: EventForm, parent: Editor | None) -> Editor:
    """The editor of ``spec``, by its kind."""
    editor = EDITORS[spec.kind](spec, form, parent)
    if spec.prefill is not None and isinstance(editor, Leaf):
        form.prefilled.append(editor)
    return editor
