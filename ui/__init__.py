"""Assist desktop app (PySide6). Everything that is not presentation lives in `assist/`."""
