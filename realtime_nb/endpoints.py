"""Where a session connects, and with which headers: OpenAI, Azure, any URL, or the mock.

:func:`resolve_target` turns the arguments of :func:`realtime_nb.connect` into a
:class:`Target`: the WebSocket URL, the handshake headers and the secrets in
them. It does no I/O, so every rule below is tested without a network.

* **OpenAI**: ``wss://api.openai.com/v1/realtime?model=MODEL`` with
  ``Authorization: Bearer KEY``; the key is the ``api_key`` argument or
  ``OPENAI_API_KEY``.
* **Azure OpenAI**: with ``azure_endpoint`` (or ``AZURE_OPENAI_ENDPOINT``), the GA
  form ``wss://RESOURCE.openai.azure.com/openai/v1/realtime?model=DEPLOYMENT``,
  or with ``api_version`` the preview form
  ``.../openai/realtime?api-version=VERSION&deployment=DEPLOYMENT``. The key goes
  in an ``api-key`` header (``AZURE_OPENAI_API_KEY``); an Entra ID token
  (``azure_ad_token``) goes in ``Authorization: Bearer``.
* **Any URL** (``ws://``, ``wss://``; ``http(s)://`` is taken as its WebSocket
  twin): used as given, with ``?model=`` added when the URL names none. Only an
  explicit ``api_key`` is sent there: an environment key is never sent to a host
  that is not OpenAI's or Azure's, so pointing a notebook at a stranger's server
  cannot leak it.
* **The embedded mock**: ``url="mock"``, or no URL and no key at all.

The beta dialect adds ``OpenAI-Beta: realtime=v1``. OpenAI and Azure no longer
serve it (OpenAI refuses the handshake; Azure deprecated its preview API on
2026-04-30), so ``dialect="beta"`` to either fails here, before any I/O, saying
how to move (:data:`BETA_MIGRATION`). Any other URL is still tried: a private
server, or the mock with ``legacy_beta``, may serve beta.

>>> target = resolve_target("ws://127.0.0.1:9000/v1/realtime", api_key="sk-test")
>>> target.url
'ws://127.0.0.1:9000/v1/realtime?model=gpt-realtime'
>>> target.shown_headers
{'Authorization': 'Bearer ***'}
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .errors import ConnectError, EventValidationError
from .redaction import Secret, redact
from .wire.base import Dialect, check_dialect

__all__ = ["Target", "TargetKind", "resolve_target", "OPENAI_URL", "DEFAULT_MODEL",
           "BETA_MIGRATION"]

OPENAI_URL = "wss://api.openai.com/v1/realtime"
"""The OpenAI Realtime endpoint (the model goes in the query)."""

DEFAULT_MODEL = "gpt-realtime"
"""The model asked for when none is given."""

TargetKind = Literal["openai", "azure", "url", "mock"]
"""What a :class:`Target` points at."""

BETA_MIGRATION = (
    'Use dialect="ga" (the default): the Python-side names are GA names already, so only '
    'the dialect argument changes. The beta dialect remains for reading old logs '
    '(parse_server_event(..., dialect="beta")), writing beta JSON (to_json("beta")) and '
    'the legacy mock (connect("mock", dialect="beta"), MockServer(legacy_beta=True)).')
"""How to move off the retired beta interface; every error about it ends with this."""

_BETA_RETIRED = {
    "openai": "OpenAI retired the Realtime beta interface (OpenAI-Beta: realtime=v1) and has "
              "refused it since 2026 (observed refused in the 2026-09-18 capture: error "
              "beta_api_shape_disabled, then close 4000)",
    "azure": "Azure OpenAI deprecated its preview (beta-shaped) Realtime API on 2026-04-30",
}

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_AZURE_HOST_SUFFIXES = (
    ".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")


@dataclass(frozen=True)
class Target:
    """A resolved connection target.

    Attributes:
        kind: ``"openai"``, ``"azure"``, ``"url"`` or ``"mock"``.
        url: the WebSocket URL to open (for the mock, filled in once it runs).
        headers: the handshake headers, secrets included: never show them, show
            :attr:`shown_headers` (``repr`` leaves both out).
        dialect: ``"ga"`` or ``"beta"``.
        model: the model or Azure deployment asked for.
        secrets: every secret in ``url`` and ``headers``, for :func:`redact`.
    """

    kind: TargetKind
    url: str
    dialect: Dialect = "ga"
    model: str = DEFAULT_MODEL
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    secrets: tuple[Secret, ...] = field(default=(), repr=False)

    @property
    def shown_headers(self) -> dict[str, str]:
        """The headers with every secret masked, for display."""
        return {name: redact(value, self.secrets) for name, value in self.headers.items()}

    @property
    def shown_url(self) -> str:
        """The URL with any secret in it masked (Azure may carry a key in the query)."""
        return redact(self.url, self.secrets)

    def with_url(self, url: str) -> Target:
        """The same target at another URL (the mock's, once it listens)."""
        return Target(self.kind, _with_model(url, self.model), self.dialect, self.model,
                      dict(self.headers), self.secrets)

    def describe(self) -> str:
        """One line for notices and reprs, secrets masked."""
        names = {"openai": "OpenAI", "azure": "Azure OpenAI", "url": "", "mock": "mock"}
        where = f"{names[self.kind]} " if names[self.kind] else ""
        return f"{where}{self.shown_url} ({self.dialect})"


def _secret_header(name: str, secret: Secret, prefix: str = "") -> tuple[str, str]:
    return name, prefix + secret.reveal()


def _with_model(url: str, model: str) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = {key for key, _ in query}
    if parts.path.rstrip("/").endswith("/realtime") and not names & {"model", "deployment",
                                                                      "call_id", "intent"}:
        query.append(("model", model))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _websocket_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss") or not parts.hostname:
        shown = urlunsplit(parts._replace(query="", fragment=""))  # a query may hold a key
        raise ConnectError(
            f"Cannot connect to {shown!r}: expected a ws://, wss://, http:// or https:// URL "
            "with a host (or \"mock\" for the embedded mock server)."
        )
    return urlunsplit(parts._replace(scheme=scheme))


def _is_azure_host(host: str | None) -> bool:
    return bool(host) and str(host).lower().endswith(_AZURE_HOST_SUFFIXES)


def _is_openai_host(host: str | None) -> bool:
    return (host or "").lower() == "api.openai.com"


def _secret(value: str | Secret | None) -> Secret | None:
    if value is None or isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise EventValidationError(
            f"Invalid type for 'api_key': expected `str`, got `{type(value).__name__}`.",
            param="api_key", code="invalid_type",
        )
    return Secret(value) if value else None


def _azure_target(endpoint: str, deployment: str | None, model: str, api_version: str | None,
                  key: Secret | None, token: Secret | None) -> tuple[str, str, dict[str, str]]:
    base = _websocket_url(endpoint.rstrip("/"))
    parts = urlsplit(base)
    name = deployment or model
    if api_version:
        path = "/openai/realtime"
        query = urlencode([("api-version", api_version), ("deployment", name)])
    else:
        path = "/openai/v1/realtime"
        query = urlencode([("model", name)])
    url = urlunsplit(parts._replace(path=path, query=query))
    headers: dict[str, str] = {}
    if key is not None:
        headers.update([_secret_header("api-key", key)])
    elif token is not None:
        headers.update([_secret_header("Authorization", token, "Bearer ")])
    else:
        raise ConnectError(
            "Azure OpenAI needs a key or a token: pass api_key=... (or set "
            "AZURE_OPENAI_API_KEY), or azure_ad_token=... for Entra ID."
        )
    return url, name, headers


def resolve_target(
    url: str | None = None,
    *,
    model: str = DEFAULT_MODEL,
    api_key: str | Secret | None = None,
    dialect: Dialect = "ga",
    azure_endpoint: str | None = None,
    azure_deployment: str | None = None,
    api_version: str | None = None,
    azure_ad_token: str | Secret | None = None,
    headers: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Target:
    """Decide where to connect; see the module docstring for the rules.

    Args:
        url: a ``ws(s)://`` or ``http(s)://`` URL, ``"mock"``, or ``None``.
        model: the model (OpenAI) or, without ``azure_deployment``, the deployment.
        api_key: the key; never shown anywhere (it becomes a :class:`Secret`).
        dialect: ``"ga"`` or ``"beta"`` (not to OpenAI or Azure, which retired it).
        azure_endpoint, azure_deployment, api_version, azure_ad_token: Azure OpenAI.
        headers: extra handshake headers (they override the computed ones).
        environ: where to read ``OPENAI_API_KEY`` and the ``AZURE_OPENAI_*``
            variables (default: ``os.environ``).

    Raises:
        ConnectError: the URL is not a WebSocket URL, Azure has no credential, or
            ``dialect="beta"`` names OpenAI or Azure.
        EventValidationError: ``dialect`` is neither ``"ga"`` nor ``"beta"``.
    """
    check_dialect(dialect)
    env = os.environ if environ is None else environ
    key = _secret(api_key)
    token = _secret(azure_ad_token)
    computed: dict[str, str] = {}
    if dialect == "beta":
        computed["OpenAI-Beta"] = "realtime=v1"

    endpoint = azure_endpoint
    if endpoint is None and (azure_deployment or token or api_version) and url is None:
        endpoint = env.get("AZURE_OPENAI_ENDPOINT")
        if endpoint is None:
            raise ConnectError(
                "Azure OpenAI needs its endpoint: pass azure_endpoint=\"https://RESOURCE."
                "openai.azure.com\" (or set AZURE_OPENAI_ENDPOINT).")
    if url == "mock" or (url is None and endpoint is None and key is None
                         and not env.get("OPENAI_API_KEY")):
        kind: TargetKind = "mock"
        target_url = ""
        name = model
    elif endpoint is not None:
        kind = "azure"
        key = key or _secret(env.get("AZURE_OPENAI_API_KEY"))
        target_url, name, auth = _azure_target(endpoint, azure_deployment, model, api_version,
                                               key, token)
        computed.update(auth)
    else:
        kind = "openai" if url is None else "url"
        target_url = _with_model(_websocket_url(url or OPENAI_URL), model)
        host = urlsplit(target_url).hostname
        if url is not None and _is_openai_host(host):
            kind = "openai"
        if key is None and kind == "openai":
            key = _secret(env.get("OPENAI_API_KEY"))
        name = model
        if _is_azure_host(host):
            key = key or _secret(env.get("AZURE_OPENAI_API_KEY"))
            if key is not None:
                computed.update([_secret_header("api-key", key)])
            elif token is not None:
                computed.update([_secret_header("Authorization", token, "Bearer ")])
            kind = "azure"
        elif key is not None:
            computed.update([_secret_header("Authorization", key, "Bearer ")])
        elif kind == "openai":
            raise ConnectError("OpenAI needs an API key: pass api_key=... or set OPENAI_API_KEY.")

    if dialect == "beta" and kind in _BETA_RETIRED:
        shown = urlunsplit(urlsplit(target_url)._replace(query=""))  # a query may hold a key
        raise ConnectError(f'dialect="beta" cannot connect to {shown}: {_BETA_RETIRED[kind]}. '
                           f"{BETA_MIGRATION}")
    if (kind in ("openai", "azure") and target_url.startswith("ws://")
            and urlsplit(target_url).hostname not in _LOOPBACK):
        raise ConnectError(f"Refusing to send a key to {kind} over unencrypted ws://; use "
                           "wss:// (or https://).")
    for name, value in (headers or {}).items():
        # Header names are case-insensitive: an override replaces, never doubles.
        for existing in [k for k in computed if k.lower() == name.lower()]:
            del computed[existing]
        computed[name] = value
    secrets = tuple(s for s in (key, token) if s is not None)
    return Target(kind, target_url, dialect, name, computed, secrets)
