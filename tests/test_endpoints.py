"""Tests for :mod:`realtime_nb.endpoints` and :mod:`realtime_nb.redaction`.

``resolve_target`` does no I/O, so every rule (OpenAI, Azure GA and preview forms,
any URL, the embedded mock, headers, secrets) is checked here without a network.
Environment variables are always given through ``environ=`` so that the real
environment of the test run cannot change the outcome.
"""

from __future__ import annotations

import pickle
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest

from realtime_nb.endpoints import DEFAULT_MODEL, OPENAI_URL, Target, resolve_target
from realtime_nb.errors import ConnectError, EventValidationError
from realtime_nb.redaction import MASK, Secret, redact

AZURE = "https://res.openai.azure.com"


def _canary() -> str:
    return "sk-canary-" + uuid.uuid4().hex


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _has_header(target: Target, name: str) -> bool:
    return any(key.lower() == name.lower() for key in target.headers)


# -- OpenAI ---------------------------------------------------------------------------------


def test_openai_explicit_key() -> None:
    target = resolve_target(api_key="sk-explicit-1", environ={})
    assert target.kind == "openai"
    assert target.url == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    assert target.url == f"{OPENAI_URL}?model={DEFAULT_MODEL}"
    assert target.headers == {"Authorization": "Bearer sk-explicit-1"}
    assert target.shown_headers == {"Authorization": "Bearer ***"}
    assert target.dialect == "ga"
    assert target.model == "gpt-realtime"


def test_openai_key_from_environment() -> None:
    target = resolve_target(environ={"OPENAI_API_KEY": "sk-from-env-1"})
    assert target.kind == "openai"
    assert target.url == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    assert target.headers["Authorization"] == "Bearer sk-from-env-1"
    assert target.shown_headers["Authorization"] == "Bearer ***"


def test_explicit_key_wins_over_environment() -> None:
    target = resolve_target(api_key="sk-explicit-2", environ={"OPENAI_API_KEY": "sk-env-2"})
    assert target.headers["Authorization"] == "Bearer sk-explicit-2"


def test_openai_model_changes_query() -> None:
    target = resolve_target(api_key="sk-test", model="gpt-realtime-mini", environ={})
    assert target.url == "wss://api.openai.com/v1/realtime?model=gpt-realtime-mini"
    assert target.model == "gpt-realtime-mini"


def test_beta_adds_openai_beta_header() -> None:
    target = resolve_target("wss://realtime.example.com/v1/realtime", api_key="sk-test",
                            dialect="beta", environ={})
    assert target.headers["OpenAI-Beta"] == "realtime=v1"
    assert target.shown_headers["OpenAI-Beta"] == "realtime=v1"
    assert target.headers["Authorization"] == "Bearer sk-test"
    assert target.dialect == "beta"


def test_ga_has_no_openai_beta_header() -> None:
    target = resolve_target(api_key="sk-test", dialect="ga", environ={})
    assert not _has_header(target, "OpenAI-Beta")


def test_beta_header_is_sent_to_any_url_and_the_mock() -> None:
    # A private server may still speak beta, and the embedded mock serves it (legacy).
    url = resolve_target("ws://127.0.0.1:9000/v1/realtime", dialect="beta", environ={})
    mock = resolve_target("mock", dialect="beta", environ={"OPENAI_API_KEY": "sk-env-1"})
    assert url.headers == {"OpenAI-Beta": "realtime=v1"}
    assert (mock.kind, mock.headers) == ("mock", {"OpenAI-Beta": "realtime=v1"})


BETA_RETIRED_TARGETS = {
    "openai, key argument": ({"api_key": "sk-beta-canary-1"}, "OpenAI retired"),
    "openai, environment key": ({"environ": {"OPENAI_API_KEY": "sk-beta-canary-1"}},
                                "OpenAI retired"),
    "openai, explicit url": ({"url": "wss://api.openai.com/v1/realtime",
                              "api_key": "sk-beta-canary-1"}, "OpenAI retired"),
    "azure ga": ({"azure_endpoint": AZURE, "azure_deployment": "dep",
                  "api_key": "sk-beta-canary-1"}, "2026-04-30"),
    "azure preview": ({"azure_endpoint": AZURE, "azure_deployment": "dep",
                       "api_version": "2025-04-01-preview", "azure_ad_token": "sk-beta-canary-1"},
                      "2026-04-30"),
    "azure host url": ({"url": "wss://res.openai.azure.com/openai/realtime?api-version=x&"
                               "deployment=d&api-key=sk-beta-canary-1"}, "2026-04-30"),
}


@pytest.mark.parametrize("options, why", BETA_RETIRED_TARGETS.values(),
                         ids=BETA_RETIRED_TARGETS.keys())
def test_beta_to_openai_or_azure_fails_at_the_call_saying_how_to_move(
        options: dict[str, object], why: str) -> None:
    options = dict(options)
    environ = options.pop("environ", {})
    with pytest.raises(ConnectError) as info:
        resolve_target(dialect="beta", environ=environ, **options)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith('dialect="beta" cannot connect to wss://')
    assert why in message
    assert 'Use dialect="ga" (the default)' in message
    assert "only the dialect argument changes" in message
    for still in ('parse_server_event(..., dialect="beta")', 'to_json("beta")',
                  "MockServer(legacy_beta=True)"):
        assert still in message
    assert "sk-beta-canary-1" not in message
    # The same targets in GA are fine.
    assert resolve_target(environ=environ, **options).dialect == "ga"  # type: ignore[arg-type]


def test_beta_to_openai_says_it_is_refused_since_the_2026_capture() -> None:
    with pytest.raises(ConnectError, match=r"refused it since 2026 \(observed refused in the"
                                           r" 2026-09-18 capture: error beta_api_shape_disabled"):
        resolve_target(api_key="sk-test", dialect="beta", environ={})
    with pytest.raises(ConnectError, match=r"deprecated its preview .* on 2026-04-30"):
        resolve_target(azure_endpoint=AZURE, api_key="k", dialect="beta", environ={})


# -- the embedded mock ----------------------------------------------------------------------


def test_no_url_and_no_key_is_mock() -> None:
    target = resolve_target(environ={})
    assert target.kind == "mock"
    assert not _has_header(target, "Authorization")


def test_url_mock_is_mock_even_with_a_key_in_environment() -> None:
    target = resolve_target("mock", environ={"OPENAI_API_KEY": "sk-env-mock-1"})
    assert target.kind == "mock"
    assert "sk-env-mock-1" not in str(target.headers)


def test_mock_with_url_fills_in_model() -> None:
    target = resolve_target("mock", model="gpt-realtime-mini", environ={})
    there = target.with_url("ws://127.0.0.1:4321/v1/realtime")
    assert there.kind == "mock"
    assert there.url == "ws://127.0.0.1:4321/v1/realtime?model=gpt-realtime-mini"


# -- Azure ----------------------------------------------------------------------------------


def test_azure_ga_form_with_key_argument() -> None:
    target = resolve_target(azure_endpoint=AZURE, azure_deployment="dep",
                            api_key="az-key-123", environ={})
    assert target.kind == "azure"
    assert target.url == "wss://res.openai.azure.com/openai/v1/realtime?model=dep"
    assert target.headers == {"api-key": "az-key-123"}
    assert target.shown_headers == {"api-key": "***"}
    assert target.model == "dep"


def test_azure_key_from_environment() -> None:
    target = resolve_target(azure_endpoint=AZURE, azure_deployment="dep",
                            environ={"AZURE_OPENAI_API_KEY": "az-env-key-1"})
    assert target.url == "wss://res.openai.azure.com/openai/v1/realtime?model=dep"
    assert target.headers["api-key"] == "az-env-key-1"
    assert not _has_header(target, "Authorization")


def test_azure_endpoint_from_environment() -> None:
    env = {"AZURE_OPENAI_ENDPOINT": AZURE, "AZURE_OPENAI_API_KEY": "az-env-key-2"}
    target = resolve_target(azure_deployment="dep", environ=env)
    assert target.kind == "azure"
    assert target.url == "wss://res.openai.azure.com/openai/v1/realtime?model=dep"
    assert target.headers["api-key"] == "az-env-key-2"


def test_azure_preview_form_with_api_version() -> None:
    target = resolve_target(azure_endpoint=AZURE + "/", azure_deployment="dep",
                            api_version="2025-04-01-preview", api_key="az-key-123", environ={})
    parts = urlsplit(target.url)
    assert (parts.scheme, parts.hostname, parts.path) == (
        "wss", "res.openai.azure.com", "/openai/realtime")
    assert _query(target.url) == [("api-version", "2025-04-01-preview"), ("deployment", "dep")]
    assert target.url == ("wss://res.openai.azure.com/openai/realtime"
                          "?api-version=2025-04-01-preview&deployment=dep")
    assert target.headers["api-key"] == "az-key-123"


def test_azure_without_deployment_uses_model() -> None:
    target = resolve_target(azure_endpoint=AZURE, model="my-deploy", api_key="az-key-123",
                            environ={})
    assert target.url == "wss://res.openai.azure.com/openai/v1/realtime?model=my-deploy"


def test_azure_entra_token_goes_in_authorization() -> None:
    target = resolve_target(azure_endpoint=AZURE, azure_deployment="dep",
                            azure_ad_token="entra-token-1", environ={})
    assert target.kind == "azure"
    assert target.headers == {"Authorization": "Bearer entra-token-1"}
    assert target.shown_headers == {"Authorization": "Bearer ***"}
    assert not _has_header(target, "api-key")


def test_azure_without_credential_is_a_helpful_connect_error() -> None:
    # An OpenAI key in the environment is not an Azure credential.
    with pytest.raises(ConnectError) as info:
        resolve_target(azure_endpoint=AZURE, azure_deployment="dep",
                       environ={"OPENAI_API_KEY": "sk-not-for-azure"})
    message = str(info.value)
    assert "api_key" in message
    assert "AZURE_OPENAI_API_KEY" in message
    assert "azure_ad_token" in message
    assert "sk-not-for-azure" not in message


def test_azure_http_endpoint_gives_ws() -> None:
    target = resolve_target(azure_endpoint="http://localhost:8080", azure_deployment="dep",
                            api_key="az-key-123", environ={})
    assert target.url == "ws://localhost:8080/openai/v1/realtime?model=dep"


# -- any URL --------------------------------------------------------------------------------


def test_url_gets_model_appended() -> None:
    target = resolve_target("ws://127.0.0.1:9000/v1/realtime", environ={})
    assert target.kind == "url"
    assert target.url == "ws://127.0.0.1:9000/v1/realtime?model=gpt-realtime"


def test_url_model_argument_goes_in_query() -> None:
    target = resolve_target("wss://example.com/v1/realtime", model="m-1", environ={})
    assert target.url == "wss://example.com/v1/realtime?model=m-1"


@pytest.mark.parametrize("query", ["model=other", "deployment=dep", "call_id=rtc_1",
                                   "intent=transcription"])
def test_url_naming_a_model_or_call_gets_no_model(query: str) -> None:
    target = resolve_target(f"ws://127.0.0.1:9000/v1/realtime?{query}", environ={})
    assert target.url == f"ws://127.0.0.1:9000/v1/realtime?{query}"
    expected = 1 if query.startswith("model=") else 0
    assert [key for key, _ in _query(target.url)].count("model") == expected


def test_url_existing_query_is_kept() -> None:
    target = resolve_target("ws://127.0.0.1:9000/v1/realtime?foo=bar&x=1", environ={})
    assert _query(target.url) == [("foo", "bar"), ("x", "1"), ("model", "gpt-realtime")]


@pytest.mark.parametrize(("given", "expected"), [
    ("http://127.0.0.1:9000/v1/realtime", "ws://127.0.0.1:9000/v1/realtime?model=gpt-realtime"),
    ("https://example.com/v1/realtime", "wss://example.com/v1/realtime?model=gpt-realtime"),
    ("ws://example.com/v1/realtime", "ws://example.com/v1/realtime?model=gpt-realtime"),
    ("wss://example.com/v1/realtime", "wss://example.com/v1/realtime?model=gpt-realtime"),
])
def test_url_http_schemes_become_websocket(given: str, expected: str) -> None:
    assert resolve_target(given, environ={}).url == expected


def test_environment_key_not_sent_to_other_host() -> None:
    target = resolve_target("wss://stranger.example.com/v1/realtime",
                            environ={"OPENAI_API_KEY": "sk-env-private-1"})
    assert target.kind == "url"
    assert not _has_header(target, "Authorization")
    assert "sk-env-private-1" not in str(target.headers)
    assert target.secrets == ()


def test_environment_key_sent_to_openai_host() -> None:
    target = resolve_target("https://api.openai.com/v1/realtime",
                            environ={"OPENAI_API_KEY": "sk-env-openai-1"})
    assert target.kind == "openai"
    assert target.url == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    assert target.headers["Authorization"] == "Bearer sk-env-openai-1"


def test_openai_host_without_any_key_is_refused() -> None:
    with pytest.raises(ConnectError, match="OPENAI_API_KEY"):
        resolve_target("wss://api.openai.com/v1/realtime", environ={})


def test_explicit_key_sent_to_any_url() -> None:
    target = resolve_target("ws://127.0.0.1:9000/v1/realtime", api_key="sk-local-1",
                            environ={})
    assert target.kind == "url"
    assert target.headers == {"Authorization": "Bearer sk-local-1"}
    assert target.shown_headers == {"Authorization": "Bearer ***"}


def test_azure_host_url_uses_api_key_header() -> None:
    target = resolve_target("wss://res.openai.azure.com/openai/v1/realtime",
                            api_key="az-key-url-1", environ={})
    assert target.kind == "azure"
    assert target.headers == {"api-key": "az-key-url-1"}
    assert not _has_header(target, "Authorization")


def test_azure_host_url_with_entra_token() -> None:
    target = resolve_target("wss://res.openai.azure.com/openai/v1/realtime",
                            azure_ad_token="entra-url-1", environ={})
    assert target.headers == {"Authorization": "Bearer entra-url-1"}


@pytest.mark.parametrize("url", ["ftp://example.com/v1/realtime", "localhost:8000",
                                 "ws:///v1/realtime", "file:///tmp/x"])
def test_bad_url_is_a_connect_error_naming_accepted_schemes(url: str) -> None:
    with pytest.raises(ConnectError) as info:
        resolve_target(url, environ={})
    message = str(info.value)
    for scheme in ("ws://", "wss://", "http://", "https://"):
        assert scheme in message
    assert "mock" in message


def test_user_headers_override_computed_ones() -> None:
    target = resolve_target("ws://127.0.0.1:9000/v1/realtime", api_key="sk-local-2",
                            dialect="beta",
                            headers={"Authorization": "Bearer other", "X-Extra": "1",
                                     "OpenAI-Beta": "realtime=v2"},
                            environ={})
    assert target.headers == {"Authorization": "Bearer other", "X-Extra": "1",
                              "OpenAI-Beta": "realtime=v2"}


def test_bad_dialect_is_refused() -> None:
    with pytest.raises(EventValidationError) as info:
        resolve_target(api_key="sk-test", dialect="v2", environ={})  # type: ignore[arg-type]
    assert info.value.param == "dialect"


# -- secrets --------------------------------------------------------------------------------


def _everything_shown(target: Target) -> list[str]:
    return [repr(target), str(target), target.describe(), target.shown_url,
            str(target.shown_headers), repr(target.shown_headers), repr(target.secrets),
            str(target.secrets), repr(target.with_url("ws://127.0.0.1:1/v1/realtime"))]


@pytest.mark.parametrize("kind", ["openai", "openai-env", "azure", "azure-token", "url"])
def test_key_never_shown(kind: str) -> None:
    key = _canary()
    if kind == "openai":
        target = resolve_target(api_key=key, environ={})
    elif kind == "openai-env":
        target = resolve_target(environ={"OPENAI_API_KEY": key})
    elif kind == "azure":
        target = resolve_target(azure_endpoint=AZURE, azure_deployment="dep", environ={
            "AZURE_OPENAI_API_KEY": key})
    elif kind == "azure-token":
        target = resolve_target(azure_endpoint=AZURE, azure_deployment="dep",
                                azure_ad_token=key, environ={})
    else:
        target = resolve_target("ws://127.0.0.1:9000/v1/realtime", api_key=key, environ={})
    assert key in str(target.headers)  # the real headers do carry it...
    for text in _everything_shown(target):  # ...but nothing meant to be shown does
        assert key not in text
    assert MASK in str(target.shown_headers)


def test_key_given_as_secret_is_accepted_and_hidden() -> None:
    key = _canary()
    target = resolve_target(api_key=Secret(key), environ={})
    assert target.headers["Authorization"] == f"Bearer {key}"
    assert target.secrets == (Secret(key),)
    assert all(key not in text for text in _everything_shown(target))


def test_key_in_url_query_is_masked_when_it_is_the_key() -> None:
    key = _canary()
    target = resolve_target(
        f"wss://res.openai.azure.com/openai/realtime?api-key={key}&deployment=dep",
        api_key=key, environ={})
    assert key in target.url
    assert key not in target.shown_url
    assert key not in target.describe()
    assert "api-key=***" in target.shown_url


def test_secret_repr_and_str_are_masked() -> None:
    key = _canary()
    secret = Secret(key)
    assert repr(secret) == "***"
    assert str(secret) == "***"
    assert f"{secret}" == "***"
    assert key not in repr([secret, {"k": secret}])
    assert secret.reveal() == key


def test_secret_equality_and_hash() -> None:
    assert Secret("sk-same-1") == Secret("sk-same-1")
    assert Secret("sk-same-1") != Secret("sk-other-1")
    assert Secret("sk-same-1") != "sk-same-1"
    assert len({Secret("sk-same-1"), Secret("sk-same-1")}) == 1


def test_secret_is_not_picklable() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(_canary()))


def test_secret_must_be_non_empty_string() -> None:
    with pytest.raises(ValueError):
        Secret("")
    with pytest.raises(ValueError):
        Secret(123)  # type: ignore[arg-type]


def test_redact_masks_every_occurrence() -> None:
    key = _canary()
    text = f"key {key} and again {key}, and in a URL ?api-key={key}"
    shown = redact(text, [Secret(key)])
    assert key not in shown
    assert shown == "key *** and again ***, and in a URL ?api-key=***"


def test_redact_accepts_plain_strings_and_none() -> None:
    assert redact("token abcdef here", [None, "abcdef"]) == "token *** here"
    assert redact("nothing to hide", [None, Secret("sk-absent")]) == "nothing to hide"


def test_redact_masks_several_secrets() -> None:
    assert redact("a=key-one b=key-two", [Secret("key-one"), "key-two"]) == "a=*** b=***"


def test_redact_leaves_short_secrets_alone() -> None:
    assert redact("abc abc", [Secret("abc")]) == "abc abc"
    assert redact("a b a", ["a"]) == "a b a"
    assert redact("abcd", [Secret("abcd")]) == "***"


# -- mistakes that would send a key where it should not go ----------------------------------


def test_a_rejected_url_is_quoted_without_its_query() -> None:
    key = _canary()
    with pytest.raises(ConnectError) as refused:
        resolve_target(f"ftp://h/x?api-key={key}", api_key=key, environ={})
    assert key not in str(refused.value) and "ftp://h/x" in str(refused.value)


def test_header_overrides_replace_whatever_their_case() -> None:
    target = resolve_target("ws://127.0.0.1:1/v1/realtime", api_key="sk-x", environ={},
                            headers={"authorization": "Bearer other"})
    assert target.headers == {"authorization": "Bearer other"}


def test_an_azure_url_takes_the_azure_key_from_the_environment() -> None:
    target = resolve_target("wss://res.openai.azure.com/openai/v1/realtime?model=d",
                            environ={"AZURE_OPENAI_API_KEY": "azure-key"})
    assert target.kind == "azure" and target.headers == {"api-key": "azure-key"}


@pytest.mark.parametrize("options", [{"azure_deployment": "dep"}, {"azure_ad_token": "tok"},
                                     {"azure_deployment": "dep", "api_key": "azkey"}])
def test_azure_options_without_an_endpoint_are_an_error_not_another_target(
        options: dict[str, str]) -> None:
    with pytest.raises(ConnectError, match="azure_endpoint"):
        resolve_target(environ={}, **options)  # type: ignore[arg-type]


def test_a_key_is_never_sent_to_openai_over_plain_ws() -> None:
    with pytest.raises(ConnectError, match="unencrypted"):
        resolve_target("http://api.openai.com/v1/realtime", environ={"OPENAI_API_KEY": "sk-e"})
    with pytest.raises(ConnectError, match="unencrypted"):
        resolve_target(azure_endpoint="http://res.openai.azure.com", azure_deployment="d",
                       api_key="k-azure", environ={})
