"""The "About AI in Assist" page: in plain words, for a caseworker, what the AI on this PC is,
what it does with the citizen's words, who is responsible for the note, and what it gets wrong.

The facts are the ones in force, never a brochure: the speech and language model ids and their
checksums come from the settings and the model store (checked on a worker through the runner),
the retention periods from the settings. No links: nothing on this page leaves the PC.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from assist.errors import AssistError

if TYPE_CHECKING:
    from ui.context import AppServices

SHORT_HASH = 16  # enough to compare with IT's list, short enough to read


class AboutView(QWidget):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.statuses: dict[str, Any] | None = None  # by model id; None until checked
        self.load_problem = ""
        self.loading = None
        self.text = QTextBrowser()
        self.text.setObjectName("about_text")
        self.text.setOpenLinks(False)
        self.text.setOpenExternalLinks(False)
        self.text.setAccessibleName(self.tr("About AI in Assist"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        self.render()
        self.reload()

    def set_case(self, case_id: str | None) -> None:
        """The page is not about a case; it shows the settings and models now in force."""
        self.render()

    def reload(self) -> None:
        from assist.models.store import open_store

        if self.loading is not None and self.loading.running:
            return
        self.loading = self.services.runner.call(
            "about.models",
            lambda _cancel: open_store().statuses(),
            on_done=self._models_checked,
            on_error=self._models_failed,
        )

    def _models_checked(self, statuses: list[Any]) -> None:
        self.statuses = {status.model_id: status for status in statuses}
        self.load_problem = ""
        self.render()

    def _models_failed(self, error: BaseException) -> None:
        self.statuses = {}
        if isinstance(error, AssistError):
            self.load_problem = error.message(self.services.lang)
        else:
            self.load_problem = type(error).__name__
        self.render()

    # -- the text -----------------------------------------------------------------------------

    def plain_text(self) -> str:
        return self.text.toPlainText()

    def render(self) -> None:
        parts = [f"<h1>{self._e(self.tr('About AI in Assist'))}</h1>"]
        parts += self._section(self.tr("What runs on this PC"), self._what_runs())
        parts += self._section(
            self.tr("Nothing leaves this PC"),
            [
                self.tr(
                    "Assist does not use the internet. The models are files on this PC, and "
                    "Assist checks them against their checksums before it uses them."
                ),
                self.tr(
                    "Everything the citizen said (the recording, the transcript and the notes) "
                    "is stored encrypted on this PC."
                ),
            ],
        )
        parts += self._section(
            self.tr("You are responsible for the note"),
            [
                self.tr(
                    "Every sentence the AI writes points to the place in the transcript it "
                    "comes from, so you can check it."
                ),
                self.tr(
                    "Sentences marked for checking must be checked against the transcript or "
                    "the recording before you sign."
                ),
                self.tr("The professional assessment is yours. The AI does not make it."),
                self.tr("A named person always signs the note: you. The AI never signs."),
                self.tr("The exported document says that AI helped draft it."),
            ],
        )
        parts += self._section(self.tr("How long data is kept"), self._retention())
        parts += self._section(
            self.tr("What the AI gets wrong"),
            [
                self.tr(
                    "Speech recognition mishears words, especially names, numbers, dates and "
                    "people speaking at the same time."
                ),
                self.tr(
                    "The drafter can miss nuance: irony, hesitation, and what was meant but not "
                    "said in words."
                ),
                self.tr("Always check names, numbers, dates and amounts against the recording."),
            ],
        )
        self.text.setHtml("\n".join(parts))

    def _section(self, title: str, paragraphs: list[str]) -> list[str]:
        return [f"<h2>{self._e(title)}</h2>"] + [f"<p>{self._e(p)}</p>" for p in paragraphs]

    @staticmethod
    def _e(text: str) -> str:
        return html.escape(text, quote=False)

    def _what_runs(self) -> list[str]:
        settings = self.services.settings
        asr_id = settings.text("asr_model")
        llm_id = settings.text("llm_model")
        lines = [
            self.tr("Speech recognition: faster-whisper with the model {model}. {state}").format(
                model=asr_id, state=self._model_state(asr_id)
            )
        ]
        if not settings.flag("allow_llm_drafting"):
            lines.append(
                self.tr(
                    "Drafting: the rule-based drafter, which only uses sentences from the "
                    "transcript. IT policy does not allow drafting with a language model."
                )
            )
        elif self._fit_for_drafting(llm_id):
            lines.append(
                self.tr(
                    "Drafting: the language model {model}, which passed Assist's drafting "
                    "test. {state}"
                ).format(model=llm_id, state=self._model_state(llm_id))
            )
        else:
            lines.append(
                self.tr(
                    "Drafting: the rule-based drafter, which only uses sentences from the "
                    "transcript. The language model {model} is not approved for drafting "
                    "on this PC. {state}"
                ).format(model=llm_id, state=self._model_state(llm_id))
            )
        if self.load_problem:
            lines.append(
                self.tr("The models could not be checked: {problem}").format(
                    problem=self.load_problem
                )
            )
        return lines

    def _model_state(self, model_id: str) -> str:
        if self.statuses is None:
            return self.tr("(Checking the model…)")
        status = self.statuses.get(model_id)
        if status is None:
            return self.tr("(This model is not known on this PC.)")
        if status.verified:
            return self.tr("(Installed and checked, SHA-256 {sha256}…)").format(
                sha256=status.sha256[:SHORT_HASH]
            )
        if not status.installed:
            return self.tr("(Not installed.)")
        return self.tr("(Damaged or changed: Assist does not use it.)")

    def _fit_for_drafting(self, model_id: str) -> bool:
        status = (self.statuses or {}).get(model_id)
        return (
            status is not None
            and status.kind == "llm"
            and status.verified
            and bool(status.fit.get("drafting"))
            and status.qualification_outcome == "passed"
        )

    def _retention(self) -> list[str]:
        settings = self.services.settings
        audio_days = settings.number("audio_review_days")
        if audio_days == 0:
            audio = self.tr("The recording is deleted when the note is signed.")
        else:
            audio = self.tr("The recording is kept {days} days after the note is signed.").format(
                days=audio_days
            )
        lines = [
            audio,
            self.tr(
                "A case without a signed note is deleted {days} days after its last change."
            ).format(days=settings.number("unsigned_case_days")),
            self.tr("An exported case is deleted {days} days after export.").format(
                days=settings.number("exported_case_days")
            ),
        ]
        keys = ("audio_review_days", "unsigned_case_days", "exported_case_days")
        if any(settings[key].locked for key in keys):
            lines.append(self.tr("Your IT department has set these periods."))
        return lines
