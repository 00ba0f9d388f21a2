"""The panel's connection bar: where to connect, with which key, and how the link is.

The key field is an ``ipywidgets.Password``: what is typed in it travels to the
kernel as that widget's ``value``, so the bar takes it out at once, into a
:class:`~realtime_nb.redaction.Secret` held by the Python object only, and
empties the field. A key given in code (``ControlPanel(api_key=...)``) or in
``OPENAI_API_KEY`` never enters any widget: the field only says that one is
there. Nothing the bar shows can hold a key, so saving the notebook's widget
state saves none.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from ..endpoints import DEFAULT_MODEL
from ..redaction import Secret
from .view import View

__all__ = ["ConnectionBar", "TARGETS"]

TARGETS: tuple[tuple[str, str], ...] = (
    ("Embedded mock", "mock"),
    ("OpenAI", "openai"),
    ("Azure OpenAI", "azure"),
    ("URL", "url"),
)
"""The targets offered, as (label, kind): the kinds of :class:`~realtime_nb.endpoints.Target`."""

_LIGHTS = {
    "open": ("#2e7d32", "connected"),
    "connecting": ("#f9a825", "connecting"),
    "reconnecting": ("#f9a825", "reconnecting"),
    "closing": ("#f9a825", "closing"),
    "closed": ("#9e9e9e", "not connected"),
    "failed": ("#c62828", "failed"),
}


def _light(state: str) -> str:
    color, words = _LIGHTS.get(state, _LIGHTS["closed"])
    return (f'<span title="{words}" style="display:inline-block;width:.8em;height:.8em;'
            f'border-radius:50%;background:{color};margin-right:.3em"></span>{words}')


def format_time_left(seconds: float | None) -> str:
    """``"29:59 left"`` for the session's remaining time; ``""`` when the server did not say.

    >>> format_time_left(1799.4)
    '29:59 left'
    >>> format_time_left(-3)
    'expired'
    """
    if seconds is None:
        return ""
    if seconds <= 0:
        return "expired"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{clock} left"


class ConnectionBar(View):
    """Target, model, dialect and key; connect and disconnect; status, session id, time left.

    Args:
        on_connect: called with :func:`~realtime_nb.connect`'s arguments when
            Connect is clicked (the key, if one was typed, as a ``Secret``).
        on_disconnect: called when Disconnect is clicked.
        initial: ``connect()``'s arguments the panel was made with, to fill the
            fields (a key among them stays out of the widgets).
        environ: where ``OPENAI_API_KEY`` is looked up (default ``os.environ``).
    """

    def __init__(self, on_connect: Callable[[dict[str, Any]], None],
                 on_disconnect: Callable[[], None], *,
                 initial: Mapping[str, Any] | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        super().__init__()
        initial = dict(initial or {})
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._environ = os.environ if environ is None else environ
        # A key given in code: kept here, in Python, never in a widget.
        given = initial.pop("api_key", None)
        self._key: Secret | None = (given if isinstance(given, Secret) or given is None
                                    else Secret(given))
        self._extra = {name: value for name, value in initial.items()
                       if name not in ("url", "model", "dialect", "azure_endpoint",
                                       "azure_deployment", "api_version")}
        self.connecting = False
        self.failure = ""

        url = initial.get("url")
        kind = ("azure" if initial.get("azure_endpoint") else
                "mock" if url in (None, "mock") and not (self._key or self._env_key) else
                "openai" if url is None else "url")
        wide = widgets.Layout(width="auto", min_width="9em")
        self.target = widgets.Dropdown(options=TARGETS, value=kind, description="Target",
                                       layout=widgets.Layout(width="19em"))
        self.url = widgets.Text(value=url if kind == "url" else "", placeholder="ws://host:port/v1/realtime",
                                description="URL", layout=wide)
        self.azure_endpoint = widgets.Text(value=initial.get("azure_endpoint") or "",
                                           placeholder="https://NAME.openai.azure.com",
                                           description="Endpoint", layout=wide)
        self.azure_deployment = widgets.Text(value=initial.get("azure_deployment") or "",
                                             placeholder="deployment", description="Deployment",
                                             layout=wide)
        self.api_version = widgets.Text(value=initial.get("api_version") or "",
                                        placeholder="(GA: leave empty)",
                                        description="api-version", layout=wide)
        self.model = widgets.Text(value=initial.get("model") or DEFAULT_MODEL,
                                  description="Model", layout=widgets.Layout(width="16em"))
        self.dialect = widgets.Dropdown(options=[("GA", "ga"), ("beta (legacy)", "beta")],
                                        value=initial.get("dialect") or "ga",
                                        description="Dialect",
                                        layout=widgets.Layout(width="14em"))
        self.key = widgets.Password(description="API key", layout=widgets.Layout(width="20em"))
        self.key.add_class("rtnb-key")
        self.connect_button = widgets.Button(description="Connect", button_style="primary",
                                             icon="plug")
        self.disconnect_button = widgets.Button(description="Disconnect", icon="times")
        self.connect_button.add_class("rtnb-connect")
        self.disconnect_button.add_class("rtnb-disconnect")
        self.status = widgets.HTML(_light("closed"))
        self.status.add_class("rtnb-status")
        self.session_id = widgets.HTML()
        self.time_left = widgets.HTML()
        self.message = widgets.HTML()
        self.message.add_class("rtnb-connect-message")

        self.connect_button.on_click(lambda _: self._connect_clicked())
        self.disconnect_button.on_click(lambda _: self._on_disconnect())
        self.target.observe(lambda _: self._show_fields(), "value")
        self._where = widgets.HBox()
        self.widget = widgets.VBox([
            widgets.HBox([self.target, self.model, self.dialect, self.key,
                          self.connect_button, self.disconnect_button],
                         layout=widgets.Layout(flex_flow="row wrap")),
            self._where,
            widgets.HBox([self.status, self.session_id, self.time_left, self.message],
                         layout=widgets.Layout(grid_gap="1.5em", align_items="center")),
        ])
        self.widget.add_class("rtnb-connection")
        self._show_fields()

    @property
    def _env_key(self) -> bool:
        return bool(self._environ.get("OPENAI_API_KEY"))

    def _show_fields(self) -> None:
        kind = self.target.value
        self._where.children = {
            "url": (self.url,),
            "azure": (self.azure_endpoint, self.azure_deployment, self.api_version),
        }.get(kind, ())
        self.key.layout.display = "none" if kind == "mock" else None
        self.key.placeholder = self._key_hint(kind)

    def _key_hint(self, kind: str) -> str:
        if self._key is not None:
            return "key given in code (***)"
        if kind == "openai" and self._env_key:
            return "OPENAI_API_KEY is set"
        if kind == "azure" and self._environ.get("AZURE_OPENAI_API_KEY"):
            return "AZURE_OPENAI_API_KEY is set"
        return "sk-..." if kind != "url" else "(optional)"

    def take_key(self) -> Secret | None:
        """The key typed in the field, moved into a :class:`Secret`; the field is emptied.

        A key typed earlier (or given in code) is kept for the next connection.
        """
        typed = self.key.value
        if typed:
            self.key.value = ""  # out of the widget's state before anything else happens
            self._key = Secret(typed.strip())
        self.key.placeholder = self._key_hint(self.target.value)
        return self._key

    def connect_args(self) -> dict[str, Any]:
        """:func:`~realtime_nb.connect`'s arguments for what the fields say (key included)."""
        kind = self.target.value
        args: dict[str, Any] = dict(self._extra)
        args["model"] = self.model.value.strip() or DEFAULT_MODEL
        args["dialect"] = self.dialect.value
        key = self.take_key()
        if kind == "mock":
            args["url"] = "mock"
            return args
        if key is not None:
            args["api_key"] = key
        if kind == "url":
            args["url"] = self.url.value.strip()
        elif kind == "azure":
            args["azure_endpoint"] = self.azure_endpoint.value.strip()
            args["azure_deployment"] = self.azure_deployment.value.strip() or None
            args["api_version"] = self.api_version.value.strip() or None
        return args

    def _connect_clicked(self) -> None:
        self._on_connect(self.connect_args())

    def refresh(self) -> None:
        """Status light, session id and time left from the session."""
        session = self.session
        if self.connecting:
            state = "connecting"
        elif self.failure:
            state = "failed"
        else:
            state = session.state if session is not None else "closed"
        self.status.value = _light(state)
        effective = session.session if session is not None else None
        session_id = getattr(effective, "id", None) if state == "open" else None
        self.session_id.value = (f"<code>{html.escape(str(session_id))}</code>"
                                 if session_id else "")
        self.time_left.value = (format_time_left(session.expires_in)
                                if session is not None and state == "open" else "")
        if self.failure:
            self.message.value = f'<span style="color:#c62828">{html.escape(self.failure)}</span>'
        elif session is not None and state != "open" and session.close_code is not None:
            reason = f": {session.close_reason}" if session.close_reason else ""
            self.message.value = html.escape(f"closed ({session.close_code}{reason})")
        elif session is not None and state == "open":
            self.message.value = html.escape(session.target.describe())
        else:
            self.message.value = ""
        self.connect_button.disabled = self.connecting
        self.disconnect_button.disabled = session is None or state in ("closed", "closing")
