"""Signing: whose name goes on the note, the caseworker's confirmation, and what still blocks.

The dialog only collects; the draft view signs through the core (`sign_case`), which applies
the `signer_name_source` policy again and refuses anything the dialog let through by mistake.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assist.errors import AssistError
from assist.settings.rules import signer_name
from ui.context import AppServices


class SignDialog(QDialog):
    def __init__(
        self,
        services: AppServices,
        *,
        open_flags: int,
        assessment_empty: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sign the note"))
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        self._typed_source = services.settings.text("signer_name_source") not in (
            "fixed",
            "os_user",
        )
        self._policy_error = ""

        self.blockers = QLabel(self)
        self.blockers.setWordWrap(True)
        self.blockers.setAccessibleName(self.tr("What must be done before signing"))
        problems: list[str] = []
        if open_flags:
            problems.append(
                self.tr(
                    "⚠ {count} flag(s) are still open. Fix each flagged sentence or mark it "
                    "Checked before you sign."
                ).format(count=open_flags)
            )
        if assessment_empty:
            problems.append(
                self.tr("⚠ The professional assessment is empty. Write it before you sign.")
            )
        self.blockers.setText("\n".join(problems))
        self.blockers.setVisible(bool(problems))
        self._blocked = bool(problems)

        self.name = QLineEdit(self)
        name_label = QLabel(self.tr("Your full name"), self)
        name_label.setBuddy(self.name)
        self.name.setAccessibleName(self.tr("Your full name"))
        if self._typed_source:
            self.name.setPlaceholderText(self.tr("First name and surname"))
        else:
            # The policy sets the name: show it, so the person sees whose name is signed.
            self.name.setReadOnly(True)
            self.name.setAccessibleDescription(self.tr("Set by your IT department"))
            try:
                self.name.setText(signer_name(services.settings, ""))
            except AssistError as error:
                self._policy_error = error.message(services.lang)
        self.policy_error = QLabel(self._policy_error, self)
        self.policy_error.setWordWrap(True)
        self.policy_error.setAccessibleName(self.tr("Signer name problem"))
        self.policy_error.setVisible(bool(self._policy_error))

        # The Sign button is the confirmation (one act, not a box to tick and a button).
        self.statement = QLabel(
            self.tr(
                "By signing you confirm: I have read the note and stand by its content; the "
                "AI-drafted parts are checked."
            ),
            self,
        )
        self.statement.setWordWrap(True)

        self.buttons = QDialogButtonBox(self)
        self.sign_button = QPushButton(self.tr("Sign"), self)
        self.sign_button.setAccessibleName(self.tr("Sign"))
        self.buttons.addButton(self.sign_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self._accept_if_allowed)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(name_label, self.name)
        layout = QVBoxLayout(self)
        layout.addWidget(self.blockers)
        layout.addLayout(form)
        layout.addWidget(self.policy_error)
        layout.addWidget(self.statement)
        layout.addWidget(self.buttons)

        self.name.textChanged.connect(self._update)
        self._update()
        (self.name if self._typed_source else self.sign_button).setFocus()

    def signer_typed(self) -> str:
        """The name as typed ("" when the policy sets it: the core fills it in)."""
        return self.name.text().strip() if self._typed_source else ""

    def can_sign(self) -> bool:
        return not self._blocked and not self._policy_error and bool(self.name.text().strip())

    def _update(self) -> None:
        self.sign_button.setEnabled(self.can_sign())
        self.sign_button.setDefault(self.can_sign())

    def _accept_if_allowed(self) -> None:
        if self.can_sign():
            self.accept()
