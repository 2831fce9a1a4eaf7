"""Debounced draft saving: an edit is on disk within two seconds of the keystroke.

Thread-free: the caller reports edits with `edit(text)` and drives `tick()` from its own timer
(a QTimer in the app, a loop in tests) at least every `quiet_s / 2` seconds; `due_in()` says when
a tick next matters. Each save is checked like an edit (`casework.autosave_note_text`): a
signed note or text that would not open again raises AssistError and the edit stays unsaved.
A save happens once typing pauses for `quiet_s`, or at the latest `max_wait_s`
after the first unsaved edit, so continuous typing is saved too. `close()` flushes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from assist.store.cases import CaseStore


class DraftAutosaver:
    def __init__(
        self,
        store: CaseStore,
        case_id: str,
        *,
        quiet_s: float = 0.5,
        max_wait_s: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._case_id = case_id
        self._quiet_s = quiet_s
        self._max_wait_s = max_wait_s
        self._clock = clock
        self._pending: str | None = None
        self._first_unsaved_at = 0.0
        self._last_edit_at = 0.0
        self.saves = 0
        self.last_revision: int | None = None

    @property
    def dirty(self) -> bool:
        return self._pending is not None

    def edit(self, text: str) -> None:
        """The draft text is now `text` (the whole text, after a keystroke)."""
        now = self._clock()
        if self._pending is None:
            self._first_unsaved_at = now
        self._pending = text
        self._last_edit_at = now

    def due_in(self) -> float | None:
        """Seconds until the next save is due (0 if now), or None if nothing is unsaved."""
        if self._pending is None:
            return None
        now = self._clock()
        due_at = min(self._last_edit_at + self._quiet_s, self._first_unsaved_at + self._max_wait_s)
        return max(0.0, due_at - now)

    def tick(self) -> bool:
        """Save if due. True if it saved."""
        if self.due_in() == 0.0:
            return self.flush()
        return False

    def flush(self) -> bool:
        """Save now if anything is unsaved. True if it saved."""
        if self._pending is None:
            return False
        text = self._pending
        # Checked like an edit (casework imports the store, hence imported here): refused on a
        # signed note and for text that would not open again; the edit then stays pending.
        from assist.casework import autosave_note_text

        self.last_revision = autosave_note_text(self._store, self._case_id, text)
        # Only forget the edit once it is committed: a failed save is retried on the next tick.
        if self._pending is text:
            self._pending = None
        self.saves += 1
        return True

    def close(self) -> None:
        self.flush()
