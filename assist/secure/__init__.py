"""Encryption at rest: keys from the OS credential store (or a passphrase), AEAD for fields and
per-case keys, and the crash-safe encrypted recording container.

- `aead`: `seal` / `open_sealed` (AES-256-GCM, versioned), `wrap_key` / `unwrap_key` per case.
- `keys`: `load_keys` -> `KeyMaterial` (master key + audit key, with where they came from),
  `key_status` / `keyring_status` for `assist doctor`, `describe_source` for the CLI.
- `container`: `RecordingWriter` (an AudioSink), `read_recording`, `find_unfinished`,
  `finish_unfinished` (for `assist recover`).
"""
