"""From a transcript (or typed notes) to a checkable journal-note draft."""
