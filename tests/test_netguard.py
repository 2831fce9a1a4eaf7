"""The process-wide network guard that the CLI installs."""

from __future__ import annotations

import os
import subprocess
import sys

from assist import netguard


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_guard_refuses_tcp_connections_and_name_lookups() -> None:
    code = (
        "import socket\n"
        "from assist import netguard\n"
        "netguard.install()\n"
        "for attempt in (lambda: socket.create_connection(('127.0.0.1', 9)),\n"
        "                lambda: socket.getaddrinfo('example.org', 443),\n"
        "                lambda: socket.socket().connect(('10.0.0.1', 80))):\n"
        "    try:\n"
        "        attempt()\n"
        "        print('CONNECTED')\n"
        "    except netguard.NetworkBlockedError:\n"
        "        print('blocked')\n"
    )
    result = _run(code)
    assert result.stdout.split() == ["blocked", "blocked", "blocked"], result.stderr


def test_guard_allows_local_unix_sockets() -> None:
    code = (
        "import socket\n"
        "from assist import netguard\n"
        "netguard.install()\n"
        "a, b = socket.socketpair(socket.AF_UNIX)\n"
        "a.sendall(b'ok'); print(b.recv(2).decode())\n"
    )
    assert _run(code).stdout.strip() == "ok"


def test_cli_installs_guard_and_offline_environment() -> None:
    code = (
        "import contextlib, io, os\n"
        "from assist import netguard\n"
        "from assist.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main([])\n"
        "print(netguard.is_installed())\n"
        f"print(*[os.environ[n] for n in {sorted(netguard.OFFLINE_ENVIRONMENT)!r}])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in netguard.OFFLINE_ENVIRONMENT}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    all_ones = " ".join("1" for _ in netguard.OFFLINE_ENVIRONMENT)
    assert result.stdout.splitlines() == ["True", all_ones]
