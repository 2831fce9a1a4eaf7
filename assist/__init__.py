"""Assist core: offline transcription, drafting and a secure case store. Never imports Qt."""

__version__ = "0.1.0"
