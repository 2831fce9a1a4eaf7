"""Assist never talks to a network: this guard makes any attempt fail loudly instead.

The CLI and the app install it at start-up. Local inter-process sockets (AF_UNIX, used by the
Secret Service keyring over D-Bus) stay allowed; every IPv4/IPv6 connection and name lookup is
refused, so a library that tries to reach a model hub fails at once instead of leaking data.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Any

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}

_NETWORK_FAMILIES = {socket.AF_INET, socket.AF_INET6}


class NetworkBlockedError(OSError):
    """Raised instead of opening a network connection."""


def _refuse(*_args: Any, **_kwargs: Any) -> Any:
    raise NetworkBlockedError("Assist is offline by design: network access is blocked")


def install() -> None:
    """Set the offline environment and refuse network sockets in this process (idempotent)."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    if is_installed():
        return
    original_connect: Callable[..., Any] = socket.socket.connect
    original_connect_ex: Callable[..., Any] = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family in _NETWORK_FAMILIES:
            _refuse()
        return original_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family in _NETWORK_FAMILIES:
            _refuse()
        return original_connect_ex(self, address)

    guarded_connect.assist_guard = True  # type: ignore[attr-defined]
    socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = _refuse
    socket.create_connection = _refuse


def is_installed() -> bool:
    return bool(getattr(socket.socket.connect, "assist_guard", False))
