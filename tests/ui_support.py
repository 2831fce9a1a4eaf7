"""Building the desktop app's services for tests: a temporary case store, fake engines (no model
loads), a fake microphone, and a real `JobRunner`. Use with pytest-qt's `qtbot`:

    services = make_services(tmp_path)
    window = MainWindow(services); qtbot.addWidget(window)
    ...
    services.close()   # cancels and waits for jobs (the fixture `ui_services` does this)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.store_support import make_keys, open_store

from assist.asr.engine import FakeAsrEngine
from assist.jobs.engines import EngineHub
from ui.context import AppServices, ChangeRelay
from ui.jobs import JobRunner


@dataclass(frozen=True)
class FakeInstalled:
    model_id: str
    path: Path
    sha256: str
    fit_for_drafting: bool = False


class FakeCatalog:
    """The model store's answer for any model: installed, with a known hash (the fake engines
    never read the path). No language model is fit to draft, so "auto" drafts structured."""

    def resolve(self, model_id: str, kind: str | None = None) -> FakeInstalled:
        return FakeInstalled(model_id, Path("/nonexistent"), "ab" * 32)


def make_services(
    tmp_path: Path,
    *,
    load_asr: Callable[[str | None], Any] | None = None,
    microphones: Any = None,
    lang: str = "en",
    keys: Any = None,
) -> AppServices:
    store = open_store(tmp_path / "data", keys or make_keys())
    engines = EngineHub(
        load_asr=load_asr or (lambda model: FakeAsrEngine()), open_models=FakeCatalog
    )
    if microphones is None:
        from helpers.fake_microphone import FakeMicrophoneBackend

        microphones = FakeMicrophoneBackend()
    return AppServices(
        store=store,
        engines=engines,
        runner=JobRunner(),
        microphones=microphones,
        changes=ChangeRelay(store),
        lang=lang,  # type: ignore[arg-type]
    )
