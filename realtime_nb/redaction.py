"""Keeping API keys out of everything a person or a notebook can see.

A key lives in a :class:`Secret`, whose ``repr`` and ``str`` are ``***``, so it
cannot leak through a ``repr`` of the object holding it, a log line or a saved
notebook output. The few places that must hand text from elsewhere to the user
(a server's refusal, a library's exception, ``websockets``' debug log of the
handshake headers) pass it through :func:`redact` first.

>>> key = Secret("sk-test-123")
>>> key
***
>>> redact("Incorrect API key provided: sk-test-123", [key])
'Incorrect API key provided: ***'
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

__all__ = ["MASK", "Secret", "redact", "scrub_credentials", "RedactingLogger"]

MASK = "***"
"""What a secret looks like wherever it would otherwise appear."""


class Secret:
    """A string that shows itself only when asked with :meth:`reveal`.

    Equality compares the hidden values, so two sessions can tell whether they
    use the same key without showing it.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("A secret must be a non-empty string.")
        self._value = value

    def reveal(self) -> str:
        """The value itself: for the handshake headers and nothing else."""
        return self._value

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        # Pickling (multiprocessing, caching libraries) would write the key to disk.
        raise TypeError("A Secret cannot be pickled.")


def redact(text: str, secrets: Iterable[Secret | str | None]) -> str:
    """``text`` with every occurrence of each secret replaced by ``***``.

    Secrets shorter than 4 characters are left alone: masking every ``"a"`` in a
    message would hide the message, and a 3-character key protects nothing.
    """
    for secret in secrets:
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if value and len(value) >= 4 and value in text:
            text = text.replace(value, MASK)
    return text


_CREDENTIAL_HEADER = re.compile(
    r"(?im)^([<>] (?:authorization|api-key|sec-websocket-protocol|openai-insecure-api-key)"
    r": ).*$")
_CREDENTIAL_QUERY = re.compile(r"(?i)([?&](?:api-key|api_key|key|token|access_token)=)[^&\s]+")


def scrub_credentials(text: str) -> str:
    """``text`` with credentials masked wherever a log line of a handshake can hold them.

    For a server, which cannot know the keys in advance: the values of the
    ``Authorization``, ``api-key`` and ``Sec-WebSocket-Protocol`` headers (where
    browsers put ``openai-insecure-api-key.KEY``) in ``websockets``' header log
    lines, and ``api-key=``-style query parameters.

    >>> scrub_credentials("< Authorization: Bearer sk-1234")
    '< Authorization: ***'
    >>> scrub_credentials("> GET /openai/realtime?api-key=abcd&deployment=d HTTP/1.1")
    '> GET /openai/realtime?api-key=***&deployment=d HTTP/1.1'
    """
    text = _CREDENTIAL_HEADER.sub(lambda m: m.group(1) + MASK, text)
    return _CREDENTIAL_QUERY.sub(lambda m: m.group(1) + MASK, text)


class RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger that formats each message, masks the secrets, then logs it.

    ``websockets`` logs every handshake header at DEBUG level, the
    ``Authorization`` header included; it is given one of these instead of a
    plain logger. Besides the known ``secrets``, credential headers and query
    parameters are masked (:func:`scrub_credentials`), which is all a server
    can do.
    """

    def __init__(self, logger: logging.Logger, secrets: Iterable[Secret]) -> None:
        super().__init__(logger, {})
        self._secrets = tuple(secrets)

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        """Log ``msg % args`` with secrets masked (a traceback becomes a one-line summary)."""
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        exc_info = kwargs.pop("exc_info", None)
        if exc_info:
            # A traceback may quote the key (a URL with ?api-key=...): log only its summary.
            if isinstance(exc_info, BaseException):
                error: BaseException | None = exc_info
            elif isinstance(exc_info, tuple):
                error = exc_info[1]
            else:
                error = sys.exc_info()[1]
            text += f" ({type(error).__name__}: {redact(str(error), self._secrets)})"
        self.logger.log(level, "%s", scrub_credentials(redact(text, self._secrets)), **kwargs)
