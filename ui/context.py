"""What every view of the app shares: the open case store, the engines, the settings, the job
runner, the microphone backend, and change notices on the GUI thread.

Views get an `AppServices` passed in; tests build one with fake engines and a fake microphone
(`tests/ui_support.py`). Nothing here loads a model: `EngineHub` loads each engine in its worker
the first time a job needs it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from assist.errors import Language
from assist.settings import Settings, load_settings
from ui.jobs import JobRunner

if TYPE_CHECKING:
    from assist.jobs.engines import EngineHub
    from assist.store.cases import CaseStore
    from ui.audio import MicrophoneBackend


class ChangeRelay(QObject):
    """The store's change notices (from any thread) as a signal on the GUI thread; changes by
    another process are polled every 2 s."""

    changed = Signal(str, object)  # kind, case_id (None for store-wide changes)

    def __init__(self, store: CaseStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._unsubscribe = store.subscribe(lambda c: self.changed.emit(c.kind, c.case_id))
        self._poll = QTimer(self)
        self._poll.setInterval(2000)
        self._poll.timeout.connect(self._poll_external)
        self._poll.start()

    def _poll_external(self) -> None:
        with contextlib.suppress(Exception):  # a failed poll is retried in 2 s
            self._store.poll_external()

    def close(self) -> None:
        self._poll.stop()
        self._unsubscribe()


@dataclass
class AppServices:
    store: CaseStore
    engines: EngineHub
    runner: JobRunner
    microphones: MicrophoneBackend
    changes: ChangeRelay
    lang: Language = "da"
    # Re-read after the settings page changes something; views read `settings` each time.
    load: Callable[[], Settings] = field(default=load_settings)
    settings: Settings = field(default_factory=load_settings)

    def reload_settings(self) -> Settings:
        self.settings = self.load()
        return self.settings

    def close(self) -> None:
        """Cancel and wait for every job, then close engines and the store (in that order:
        a job may still be using both)."""
        self.runner.shutdown()
        self.changes.close()
        self.engines.close()
        self.store.close()
