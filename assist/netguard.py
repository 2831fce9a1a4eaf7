"""Assist never talks to a network: this guard makes any attempt fail loudly instead.

The CLI and the app install it at start-up. Local inter-process sockets (AF_UNIX, used by the
Secret Service keyring over D-Bus) stay allowed; every IPv4/IPv6 connection and name lookup is
refused, so a library that tries to reach a model hub fails at once instead of leaking data.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Callable
from typing import NoReturn

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}

_NETWORK_FAMILIES = {socket.AF_INET, socket.AF_INET6}


class NetworkBlockedError(OSError):
    """Raised instead of opening a network connection."""


# Every refusal is also written to stderr with this mark, in the app and in engine workers, so
# a test (or IT) can count attempts across processes; the line names the call, never data.
REFUSAL_MARK = "assist-netguard: refused"


def _refuse(what: str) -> NoReturn:
    stream = sys.stderr
    if stream is not None:  # none in a windowed app
        with contextlib.suppress(OSError, ValueError):
            print(f"{REFUSAL_MARK} {what}", file=stream, flush=True)
    raise NetworkBlockedError("Assist is offline by design: network access is blocked")


def _refuser(what: str) -> Callable[..., NoReturn]:
    def refuse(*_args: object, **_kwargs: object) -> NoReturn:
        _refuse(what)

    return refuse


def _guarded(method: Callable[..., object], what: str) -> Callable[..., object]:
    def guarded(self: socket.socket, *args: object, **kwargs: object) -> object:
        if self.family in _NETWORK_FAMILIES:
            _refuse(what)
        return method(self, *args, **kwargs)

    guarded.assist_guard = True  # type: ignore[attr-defined]
    return guarded


def install() -> None:
    """Set the offline environment and refuse network sockets in this process (idempotent)."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    if is_installed():
        return
    for method in ("connect", "connect_ex", "sendto", "sendmsg"):
        original = getattr(socket.socket, method)
        setattr(socket.socket, method, _guarded(original, f"socket.{method}"))
    for function in (
        "getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "create_connection",
    ):  # fmt: skip
        setattr(socket, function, _refuser(f"socket.{function}"))


def is_installed() -> bool:
    return bool(getattr(socket.socket.connect, "assist_guard", False))
