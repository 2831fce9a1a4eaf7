"""The pinned PySide6 survives many signal emits to Python slots (6.12.0 on Python 3.11 drops
a reference to `True` on every emit and the interpreter aborts after a few thousand)."""

from __future__ import annotations

import sys


def test_emitting_to_a_python_slot_leaks_no_reference_to_true() -> None:
    from PySide6.QtCore import QObject, Signal

    class Source(QObject):
        changed = Signal(bool)

    received: list[bool] = []
    source = Source()
    source.changed.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(200):
        source.changed.emit(True)
    received.clear()
    assert abs(sys.getrefcount(True) - before) < 10
