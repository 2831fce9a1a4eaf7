"""Model store and catalog: installing, importing and verifying the speech and language models."""
