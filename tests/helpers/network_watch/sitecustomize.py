"""Loaded by every Python process of a test run (through PYTHONPATH), engine workers included.

An audit hook sees each socket call at the C level, after any Python-level guard: a call that
gets here was not stopped by Assist's own guard. It is counted on stderr and stopped before it
reaches the operating system, so no packet ever leaves, whatever the code under test does.
"""

import socket
import sys

_ADDRESSED = {"socket.connect", "socket.sendto", "socket.sendmsg"}
_LOOKUPS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"}
_NETWORK = (socket.AF_INET, socket.AF_INET6)


def _watch(event: str, args: tuple) -> None:
    if event in _ADDRESSED and getattr(args[0], "family", None) not in _NETWORK:
        return  # local sockets (D-Bus for the keyring) are fine
    if event in _ADDRESSED or event in _LOOKUPS:
        print(f"UNGUARDED-NETWORK-ATTEMPT {event}", file=sys.stderr, flush=True)
        raise OSError("network blocked by the test's audit hook")


sys.addaudithook(_watch)
