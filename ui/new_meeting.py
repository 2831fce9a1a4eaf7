""" "New meeting": note type, participants and the citizen's consent, then a new case.

With consent the case is recorded; without it the caseworker types notes instead (if IT policy
allows typed notes without consent; otherwise the dialog says so before anything is created).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from assist.drafting.templates import configured_template_dir, load_template_infos
from assist.errors import AssistError
from ui.context import AppServices


@dataclass(frozen=True)
class NewMeeting:
    title: str
    note_type: str
    participants: tuple[str, ...]
    consent: str  # "given" or "refused"
    consent_by: str | None


class NewMeetingDialog(QDialog):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.setWindowTitle(self.tr("New meeting"))
        self.title = QLineEdit(self)
        self.title.setPlaceholderText(self.tr("e.g. case number or the citizen's initials"))
        self.note_type = QComboBox(self)
        settings = services.settings
        try:
            infos = load_template_infos(configured_template_dir())
        except AssistError as error:
            infos = {}
            self._template_problem = error.message(services.lang)
        else:
            self._template_problem = ""
        for template_id, info in infos.items():
            self.note_type.addItem(info.template.title(services.lang), template_id)
        default = self.note_type.findData(settings.text("default_template"))
        self.note_type.setCurrentIndex(max(default, 0))
        self.participants = QPlainTextEdit(self)
        self.participants.setPlaceholderText(self.tr("One per line, e.g. “Anne Hansen (rådgiver)”"))
        self.participants.setTabChangesFocus(True)
        self.participants.setFixedHeight(self.fontMetrics().lineSpacing() * 5)
        self.consent_given = QRadioButton(
            self.tr("The citizen consents to the meeting being recorded")
        )
        self.consent_refused = QRadioButton(
            self.tr("No consent to recording: I type notes instead")
        )
        self.consent_given.setChecked(True)
        self._consent = QButtonGroup(self)
        self._consent.addButton(self.consent_given)
        self._consent.addButton(self.consent_refused)
        self.consent_by = QLineEdit(self.tr("The citizen"), self)
        self.problem = QLabel(self._template_problem, self)
        self.problem.setWordWrap(True)
        self.problem.setVisible(bool(self._template_problem))

        form = QFormLayout()
        form.addRow(self._label(self.tr("&Case"), self.title), self.title)
        form.addRow(self._label(self.tr("&Note type"), self.note_type), self.note_type)
        form.addRow(self._label(self.tr("&Participants"), self.participants), self.participants)
        consent_label = QLabel(self.tr("Consent"), self)
        form.addRow(consent_label, self.consent_given)
        form.addRow("", self.consent_refused)
        form.addRow(self._label(self.tr("Consent &given by"), self.consent_by), self.consent_by)
        self.consent_given.setAccessibleName(self.consent_given.text())
        self.consent_refused.setAccessibleName(self.consent_refused.text())
        self.consent_given.toggled.connect(self.consent_by.setEnabled)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.start = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.start.setText(self.tr("Start meeting"))
        self.start.setAccessibleName(self.tr("Start meeting"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.created_case_id: str | None = None

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        buddy.setAccessibleName(text.replace("&", ""))
        return label

    def meeting(self) -> NewMeeting:
        participants = tuple(
            line.strip() for line in self.participants.toPlainText().splitlines() if line.strip()
        )
        given = self.consent_given.isChecked()
        return NewMeeting(
            title=self.title.text().strip(),
            note_type=str(self.note_type.currentData() or ""),
            participants=participants,
            consent="given" if given else "refused",
            consent_by=(self.consent_by.text().strip() or None) if given else None,
        )

    def _accept(self) -> None:
        meeting = self.meeting()
        if meeting.consent != "given" and not self._services.settings.flag(
            "typed_notes_without_consent"
        ):
            self.problem.setText(
                self.tr(
                    "IT policy requires the citizen's consent for typed notes too ({origin}). "
                    "Without consent, write the note directly in the case system."
                ).format(origin=self._services.settings["typed_notes_without_consent"].origin)
            )
            self.problem.setVisible(True)
            return
        try:
            self.created_case_id = self._services.store.create_case(
                title=meeting.title,
                note_type=meeting.note_type,
                participants=meeting.participants,
                consent=meeting.consent,  # type: ignore[arg-type]
                consent_by=meeting.consent_by,
            )
        except AssistError as error:
            self.problem.setText(error.message(self._services.lang))
            self.problem.setVisible(True)
            return
        self.accept()
