"""The settings page: every setting of the schema (`assist.settings.SETTINGS`) with its value in
force and where it came from, the models on this PC, and model import.

The form is made from the schema, so a new setting shows up here without code. A setting is
editable only when the schema lets the user change it and no policy locks it; a locked one says
so in words and with a lock symbol, naming the policy, so the user can tell IT exactly where it
is set. Saving goes through the core (`set_user_value`), which validates; its message is shown
next to the field. The model list and the import run through `services.runner`: checking hashes
and importing gigabytes take time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assist.cancel import Progress
from assist.errors import AssistError, Cancelled, Language
from assist.settings import SETTINGS, Effective, Setting, reset_user_value, set_user_value
from assist.settings.schema import format_value

if TYPE_CHECKING:
    from ui.context import AppServices

WARNING = "\N{WARNING SIGN}"
CHECK = "\N{CHECK MARK}"

# Which settings go in which section, in the order shown. A setting the schema gains later and
# that is not listed here still appears, under "Other settings".
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "language": ("ui_language",),
    "microphone": ("microphone",),
    "data": ("data_dir", "audio_review_days", "unsigned_case_days", "exported_case_days"),
    "models": (
        "asr_model",
        "llm_model",
        "allow_llm_drafting",
        "allowed_models",
        "allow_model_import",
        "model_dir",
        "engine_threads",
    ),
    "notes": (
        "default_template",
        "template_dir",
        "letterhead",
        "signer_name_source",
        "signer_name",
        "typed_notes_without_consent",
    ),
}
FILE_SETTINGS = {"letterhead": "Word (*.docx *.dotx)"}  # path settings that name a file


def editable(effective: Effective) -> bool:
    return effective.setting.user_may_change and not effective.locked


class SettingRow(QWidget):
    """One setting: its label, an editor (or a read-only value), help, source and messages."""

    def __init__(
        self,
        setting: Setting,
        lang: Language,
        commit: Callable[[str, str], None],
        reset: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setting = setting
        self.lang = lang
        self._commit = commit
        self._reset = reset
        self._shown_value = ""
        self.setObjectName(f"setting_{setting.key}")

        self.label = QLabel(setting.label(lang))
        self.label.setObjectName(f"label_{setting.key}")
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.editor = self._make_editor()
        self.editor.setObjectName(f"edit_{setting.key}")
        self.editor.setAccessibleName(setting.label(lang))
        self.readonly = QLineEdit()
        self.readonly.setObjectName(f"value_{setting.key}")
        self.readonly.setReadOnly(True)
        self.readonly.setAccessibleName(setting.label(lang))
        self.browse = QPushButton(self.tr("Choose…"))
        self.browse.setAccessibleName(
            self.tr("Choose {setting}").format(setting=setting.label(lang))
        )
        self.browse.clicked.connect(self._choose_path)
        self.browse.setVisible(setting.type == "path")
        self.reset_button = QPushButton(self.tr("Use default"))
        self.reset_button.setAccessibleName(
            self.tr("Use the default for {setting}").format(setting=setting.label(lang))
        )
        self.reset_button.clicked.connect(lambda: self._reset(self.setting.key))
        self.help = QLabel(setting.help(lang))
        self.help.setWordWrap(True)
        self.source = QLabel()
        self.source.setObjectName(f"source_{setting.key}")
        self.source.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName(f"message_{setting.key}")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.label.setBuddy(self.editor)

        fields = QHBoxLayout()
        fields.addWidget(self.editor, 1)
        fields.addWidget(self.readonly, 1)
        fields.addWidget(self.browse)
        fields.addWidget(self.reset_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 8)
        layout.addWidget(self.label)
        layout.addLayout(fields)
        layout.addWidget(self.help)
        layout.addWidget(self.source)
        layout.addWidget(self.message)

    # -- editors ------------------------------------------------------------------------------

    def _make_editor(self) -> QWidget:
        setting = self.setting
        if setting.type == "bool":
            box = QCheckBox(self.tr("On"))
            box.toggled.connect(lambda on: self._commit(setting.key, "true" if on else "false"))
            return box
        if setting.type == "int":
            spin = QSpinBox()
            spin.setRange(setting.minimum or 0, setting.maximum or 2**31 - 1)
            spin.editingFinished.connect(self._commit_number)
            return spin
        if setting.type == "enum":
            combo = QComboBox()
            labels = setting.labels_en if self.lang == "en" else setting.labels_da
            for choice, label in zip(setting.choices, labels, strict=True):
                combo.addItem(label, choice)
            combo.activated.connect(lambda _index: self._commit(setting.key, combo.currentData()))
            return combo
        line = QLineEdit()
        line.editingFinished.connect(self._commit_text)
        return line

    def _commit_number(self) -> None:
        value = str(self.editor.value())  # type: ignore[attr-defined]
        if value != self._shown_value:
            self._commit(self.setting.key, value)

    def _commit_text(self) -> None:
        text = self.editor.text()  # type: ignore[attr-defined]
        if text != self._shown_value:
            self._commit(self.setting.key, text)

    def _choose_path(self) -> None:
        title = self.setting.label(self.lang)
        current = self.editor.text() if isinstance(self.editor, QLineEdit) else ""
        if self.setting.key in FILE_SETTINGS:
            chosen, _filter = QFileDialog.getOpenFileName(
                self, title, current, FILE_SETTINGS[self.setting.key]
            )
        else:
            chosen = QFileDialog.getExistingDirectory(self, title, current)
        if chosen and isinstance(self.editor, QLineEdit):
            self.editor.setText(chosen)
            self._commit_text()

    # -- showing what is in force -------------------------------------------------------------

    def show_effective(self, effective: Effective) -> None:
        can_edit = editable(effective)
        self._shown_value = format_value(effective.value)
        self.editor.blockSignals(True)
        try:
            self._set_editor_value(effective)
        finally:
            self.editor.blockSignals(False)
        self.readonly.setText(self.display_value(effective))
        self.editor.setVisible(can_edit)
        self.readonly.setVisible(not can_edit)
        self.label.setBuddy(self.editor if can_edit else self.readonly)
        self.browse.setVisible(can_edit and self.setting.type == "path")
        self.reset_button.setVisible(can_edit)
        self.reset_button.setEnabled(effective.source == "user")
        source = self.source_text(effective)
        self.source.setText(source)
        for widget in (self.editor, self.readonly):
            widget.setAccessibleDescription(f"{self.setting.help(self.lang)} {source}")

    def _set_editor_value(self, effective: Effective) -> None:
        value = effective.value
        if isinstance(self.editor, QCheckBox):
            self.editor.setChecked(value is True)
        elif isinstance(self.editor, QSpinBox):
            self.editor.setValue(value if isinstance(value, int) else 0)
        elif isinstance(self.editor, QComboBox):
            index = self.editor.findData(value)
            self.editor.setCurrentIndex(max(index, 0))
        elif isinstance(self.editor, QLineEdit):
            self.editor.setText(self._shown_value)

    def display_value(self, effective: Effective) -> str:
        value = effective.value
        if isinstance(value, bool):
            return self.tr("Yes") if value else self.tr("No")
        if self.setting.type == "enum" and value in self.setting.choices:
            labels = self.setting.labels_en if self.lang == "en" else self.setting.labels_da
            return labels[self.setting.choices.index(value)]
        if value is None or value == "":
            return self.tr("Not set")
        if value == ():
            return self.tr("Empty list")
        return format_value(value)

    def source_text(self, effective: Effective) -> str:
        if effective.locked:
            return self.tr("Locked by IT policy: {origin}").format(origin=effective.origin)
        if effective.source == "env":
            text = self.tr("Set by the environment variable {origin}").format(
                origin=effective.origin
            )
        elif effective.source == "user":
            text = self.tr("Your own setting")
        elif effective.source == "machine":
            text = self.tr("Machine default set by IT: {origin}").format(origin=effective.origin)
        else:
            text = self.tr("Built-in default")
        if not self.setting.user_may_change:
            text += " " + self.tr("(set by IT; cannot be changed here)")
        return text

    def show_error(self, text: str) -> None:
        self.message.setText(f"{WARNING} {text}")
        self.message.setVisible(True)
        self.editor.setAccessibleDescription(text)

    def clear_message(self) -> None:
        self.message.setText("")
        self.message.setVisible(False)

    def show_note(self, text: str) -> None:
        self.message.setText(f"{CHECK} {text}")
        self.message.setVisible(True)


class MicrophoneRow(SettingRow):
    """The microphone setting as a list of the microphones this PC has."""

    def _make_editor(self) -> QWidget:
        combo = QComboBox()
        combo.activated.connect(
            lambda _index: self._commit(self.setting.key, str(combo.currentData() or ""))
        )
        return combo

    def set_devices(self, devices: list[Any], chosen: str) -> None:
        combo = self.editor
        assert isinstance(combo, QComboBox)
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(self.tr("The system's default microphone"), "")
        for device in devices:
            name = device.name
            if device.is_default:
                name = self.tr("{name} (system default)").format(name=device.name)
            combo.addItem(name, device.device_id)
        if chosen and combo.findData(chosen) < 0:
            combo.addItem(self.tr("{name} (not connected)").format(name=chosen), chosen)
        combo.setCurrentIndex(max(combo.findData(chosen), 0))
        combo.blockSignals(False)

    def _set_editor_value(self, effective: Effective) -> None:
        pass  # set_devices chooses the entry

    def display_value(self, effective: Effective) -> str:
        if not effective.value:
            return self.tr("The system's default microphone")
        return super().display_value(effective)


@dataclass(frozen=True)
class ImportRequest:
    source: Path
    model_id: str
    kind: str  # "asr" or "llm"
    copy: bool


class ImportModelDialog(QDialog):
    """Asks what to import: the kind, the folder (speech) or file (language model), an id."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Import model"))
        self.kind = QComboBox()
        self.kind.addItem(self.tr("Speech recognition (a CTranslate2 Whisper folder)"), "asr")
        self.kind.addItem(self.tr("Language model (a GGUF file)"), "llm")
        self.kind.setAccessibleName(self.tr("Kind of model"))
        self.path = QLineEdit()
        self.path.setAccessibleName(self.tr("Folder or file"))
        choose = QPushButton(self.tr("Choose…"))
        choose.setAccessibleName(self.tr("Choose the folder or file"))
        choose.clicked.connect(self._choose)
        self.model_id = QLineEdit()
        self.model_id.setAccessibleName(self.tr("Model id"))
        self.model_id.setPlaceholderText(self.tr("for example hviske-tiske"))
        self.copy = QCheckBox(self.tr("Copy the files into the model folder"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Import"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(choose)
        form = QFormLayout(self)
        form.addRow(self.tr("&Kind of model"), self.kind)
        form.addRow(self.tr("&Folder or file"), path_row)
        form.addRow(self.tr("Model &id"), self.model_id)
        form.addRow(self.copy)
        form.addRow(buttons)

    def _choose(self) -> None:
        if self.kind.currentData() == "asr":
            chosen = QFileDialog.getExistingDirectory(self, self.tr("Choose the model folder"))
        else:
            chosen, _filter = QFileDialog.getOpenFileName(
                self, self.tr("Choose the model file"), "", "GGUF (*.gguf)"
            )
        if chosen:
            self.path.setText(chosen)

    def request(self) -> ImportRequest:
        return ImportRequest(
            source=Path(self.path.text().strip()),
            model_id=self.model_id.text().strip(),
            kind=str(self.kind.currentData()),
            copy=self.copy.isChecked(),
        )


class ModelsPanel(QWidget):
    """The models on this PC with their check and drafting-test status, and model import."""

    COLUMNS = 5
    models_loaded = Signal()

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.statuses: list[Any] = []
        self.loading = None
        self.importing = None
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setObjectName("model_table")
        self.table.setAccessibleName(self.tr("Models on this PC"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Model"),
                self.tr("Kind"),
                self.tr("Used for"),
                self.tr("Check"),
                self.tr("Drafting test"),
            ]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.status = QLabel()
        self.status.setObjectName("model_status")
        self.status.setWordWrap(True)
        self.check_again = QPushButton(self.tr("Check the models again"))
        self.check_again.setAccessibleDescription(
            self.tr("Reads every model file again and compares it with its checksum.")
        )
        self.check_again.clicked.connect(lambda: self.reload(full=True))
        self.import_button = QPushButton(self.tr("Import model…"))
        self.import_button.setObjectName("import_model")
        self.import_button.clicked.connect(self.ask_import)
        self.import_reason = QLabel()
        self.import_reason.setObjectName("import_reason")
        self.import_reason.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Import progress"))
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        self.cancel_button = QPushButton(self.tr("Cancel import"))
        self.cancel_button.clicked.connect(self.cancel_import)
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.setVisible(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.check_again)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        progress = QHBoxLayout()
        progress.addWidget(self.progress, 1)
        progress.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(self.import_reason)
        layout.addWidget(self.progress_label)
        layout.addLayout(progress)
        self.show_import_rule()

    # -- the list -------------------------------------------------------------------------------

    def reload(self, *, full: bool = False) -> None:
        """Check the models on a worker (hashing may read gigabytes) and show the result."""
        from assist.models.store import open_store

        if self.loading is not None and self.loading.running:
            return
        self.status.setText(self.tr("Checking the models…"))
        self.check_again.setEnabled(False)
        self.loading = self.services.runner.call(
            "models.statuses",
            lambda _cancel: open_store().statuses(full=full),
            on_done=self._show_statuses,
            on_error=self._show_load_error,
        )

    def _show_statuses(self, statuses: list[Any]) -> None:
        self.statuses = list(statuses)
        self.check_again.setEnabled(True)
        self.table.setRowCount(len(self.statuses))
        for row, status in enumerate(self.statuses):
            cells = (
                status.model_id,
                self.kind_text(status.kind),
                self.use_text(status),
                self.check_text(status),
                self.qualification_text(status),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.status.setText(
            self.tr("{count} models known.").format(count=len(self.statuses))
            if self.statuses
            else self.tr("No models are known.")
        )
        self.models_loaded.emit()

    def _show_load_error(self, error: BaseException) -> None:
        self.check_again.setEnabled(True)
        self.status.setText(f"{WARNING} {self.error_text(error)}")

    def kind_text(self, kind: str) -> str:
        return self.tr("Speech recognition") if kind == "asr" else self.tr("Language model")

    def use_text(self, status: Any) -> str:
        settings = self.services.settings
        if status.kind == "asr" and status.model_id == settings.text("asr_model"):
            return self.tr("Transcribes")
        if status.kind == "llm" and status.model_id == settings.text("llm_model"):
            return self.tr("Chosen for drafting")
        return ""

    def check_text(self, status: Any) -> str:
        if status.verified:
            return f"{CHECK} " + self.tr("Checked")
        problem = status.problem
        if problem == "not_installed":
            return self.tr("Not installed")
        if problem == "missing_file":
            return f"{WARNING} " + self.tr("A file is missing: not used")
        if problem == "unreadable":
            return f"{WARNING} " + self.tr("Cannot be read: not used")
        if problem in ("size_mismatch", "hash_mismatch"):
            return f"{WARNING} " + self.tr("Changed or damaged: not used")
        if problem == "record_tampered":
            return f"{WARNING} " + self.tr("Registration changed outside Assist: not used")
        return f"{WARNING} " + self.tr("Registration cannot be checked: not used")

    def qualification_text(self, status: Any) -> str:
        if status.kind != "llm":
            return self.tr("Not needed")
        outcome = status.qualification_outcome
        if outcome == "passed":
            return f"{CHECK} " + self.tr("Passed: may write drafts")
        if outcome == "failed":
            return self.tr("Failed: the rule-based drafter is used")
        if outcome == "crashed":
            return self.tr("Crashed during the test: the rule-based drafter is used")
        if outcome == "tampered":
            return f"{WARNING} " + self.tr("Test result changed outside Assist: treated as failed")
        if outcome in ("other_key", "locked"):
            return f"{WARNING} " + self.tr("Test result cannot be checked: treated as not tested")
        return self.tr("Not tested: the rule-based drafter is used")

    def error_text(self, error: BaseException) -> str:
        if isinstance(error, AssistError):
            return error.message(self.services.lang)
        return self.tr(
            "Something unexpected went wrong ({kind}). Try again, or contact IT."
        ).format(kind=type(error).__name__)

    # -- import ---------------------------------------------------------------------------------

    def show_import_rule(self) -> None:
        settings = self.services.settings
        allowed = settings.flag("allow_model_import")
        busy = self.importing is not None and self.importing.running
        self.import_button.setEnabled(allowed and not busy)
        if allowed:
            self.import_reason.setText("")
            self.import_reason.setVisible(False)
            self.import_button.setAccessibleDescription("")
            return
        origin = settings["allow_model_import"].origin
        if settings["allow_model_import"].locked:
            reason = self.tr("Import is turned off by IT policy: {origin}").format(origin=origin)
        else:
            reason = self.tr("Import is turned off by IT ({origin}).").format(
                origin=origin or self.tr("built-in default")
            )
        self.import_reason.setText(reason)
        self.import_reason.setVisible(True)
        self.import_button.setAccessibleDescription(reason)

    def ask_import(self) -> None:
        dialog = ImportModelDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.start_import(dialog.request())

    def start_import(self, request: ImportRequest) -> None:
        """Import on a worker with progress and Cancel; the list reloads when it is done."""
        from assist.models.importing import import_model
        from assist.models.store import open_store

        if not self.services.settings.flag("allow_model_import"):
            self.show_import_rule()
            return

        def job(cancel):
            return import_model(
                open_store(),
                request.source,
                request.model_id,
                request.kind,
                copy=request.copy,
                cancel=cancel,
            )

        self.progress.setRange(0, 0)  # busy until the first step says how far
        self.progress_label.setText(
            self.tr("Importing {model_id}…").format(model_id=request.model_id)
        )
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.importing = self.services.runner.start(
            "models.import",
            job,
            on_event=self._import_progress,
            on_done=self._import_done,
            on_error=self._import_failed,
        )
        self.show_import_rule()

    def cancel_import(self) -> None:
        if self.importing is not None:
            self.importing.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText(self.tr("Cancelling the import…"))

    def _import_progress(self, event: Any) -> None:
        if not isinstance(event, Progress):
            return
        fraction = event.fraction
        if fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(fraction * 1000))

    def _import_done(self, _result: Any) -> None:
        self._import_ended(f"{CHECK} " + self.tr("The model was imported and checked."))
        self.reload()

    def _import_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self._import_ended(self.tr("The import was cancelled; nothing was registered."))
        else:
            self._import_ended(f"{WARNING} {self.error_text(error)}")

    def _import_ended(self, text: str) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.progress_label.setText(text)
        self.progress_label.setVisible(True)
        self.importing = None
        self.show_import_rule()


class SettingsView(QWidget):
    """Settings and models. `language_changed` says the user chose another UI language."""

    language_changed = Signal(str)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.rows: dict[str, SettingRow] = {}

        title = QLabel(self.tr("Settings"))
        title_font = title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.5)
        title_font.setBold(True)
        title.setFont(title_font)
        title.setAccessibleName(self.tr("Settings"))
        self.problems = QLabel()
        self.problems.setObjectName("policy_problems")
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.models = ModelsPanel(services)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(title)
        layout.addWidget(self.problems)
        placed: set[str] = set()
        for section, keys in SECTION_KEYS.items():
            box = self._section(self.section_title(section), list(keys))
            placed.update(keys)
            if section == "models":
                box.layout().addWidget(self.models)
            layout.addWidget(box)
        rest = [s.key for s in SETTINGS if s.key not in placed]
        if rest:
            layout.addWidget(self._section(self.tr("Other settings"), rest))
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.refresh()
        self.models.reload()

    def section_title(self, section: str) -> str:
        titles = {
            "language": self.tr("Language"),
            "microphone": self.tr("Microphone"),
            "data": self.tr("Data and deletion"),
            "models": self.tr("Models"),
            "notes": self.tr("Notes and signing"),
        }
        return titles[section]

    def _section(self, title: str, keys: list[str]) -> QGroupBox:
        box = QGroupBox(title)
        box.setObjectName(f"section_{keys[0]}")
        layout = QVBoxLayout(box)
        for key in keys:
            setting = next(s for s in SETTINGS if s.key == key)
            row_type = MicrophoneRow if key == "microphone" else SettingRow
            row = row_type(setting, self.services.lang, self._commit, self._reset)
            self.rows[key] = row
            layout.addWidget(row)
        return box

    def set_case(self, case_id: str | None) -> None:
        """Settings are not about a case; the page only re-reads what is in force."""
        self.refresh()

    # -- showing --------------------------------------------------------------------------------

    def refresh(self) -> None:
        settings = self.services.settings
        for effective in settings:
            row = self.rows.get(effective.setting.key)
            if row is not None:
                row.clear_message()
                row.show_effective(effective)
        microphone = self.rows.get("microphone")
        if isinstance(microphone, MicrophoneRow):
            microphone.set_devices(self._devices(), settings.text("microphone"))
        self._show_problems()
        self.models.show_import_rule()

    def _devices(self) -> list[Any]:
        try:
            return list(self.services.microphones.devices())
        except Exception:
            return []

    def _show_problems(self) -> None:
        problems = self.services.settings.problems
        if not problems:
            self.problems.setVisible(False)
            self.problems.setText("")
            return
        lines = [f"{WARNING} " + self.tr("Problems in the settings. Please pass this on to IT:")]
        lines += [f"• {problem.message(self.services.lang)}" for problem in problems]
        self.problems.setText("\n".join(lines))
        self.problems.setVisible(True)

    # -- changing -------------------------------------------------------------------------------

    def _commit(self, key: str, raw: str) -> None:
        self._change(
            key, lambda: set_user_value(self.services.settings, key, raw, self.services.lang)
        )

    def _reset(self, key: str) -> None:
        self._change(key, lambda: reset_user_value(self.services.settings, key))

    def _change(self, key: str, write: Callable[[], object]) -> None:
        row = self.rows[key]
        before = self.services.settings[key].value
        try:
            write()
        except AssistError as error:
            row.show_error(error.message(self.services.lang))
            return
        except OSError as error:
            row.show_error(
                self.tr("The settings file could not be written ({reason}).").format(
                    reason=type(error).__name__
                )
            )
            return
        self.services.reload_settings()
        self.refresh()
        if key == "ui_language" and self.services.settings[key].value != before:
            row.show_note(self.tr("Saved. The new language is used the next time Assist starts."))
            self.language_changed.emit(str(self.services.settings[key].value))
        else:
            row.show_note(self.tr("Saved."))
