"""kill -9 during `assist sign`: the case is either signed, whole and verifiable, or still an
unsigned draft exactly as it was; never half-signed, never damaged, and the audit verifies."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.store_support import HELPERS, make_keys, open_store, subprocess_env
from test_casework_samples import save_draft_like_the_draft_command

from assist.secure.keys import KeyMaterial

CLI = HELPERS / "store_cli_with_key.py"
KILLS = 10
SIGN = ("sign", "--signer", "Anne Hansen", "--acknowledge-all", "--no-assessment")


def _sign(data: Path, keys: KeyMaterial, case_id: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(CLI), SIGN[0], case_id, *SIGN[1:]],
        env=subprocess_env(data, keys),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _state_after(data: Path, keys: KeyMaterial, case_id: str, draft_text: str) -> str:
    with open_store(data, keys) as store:
        case = store.get_case(case_id)  # raises if the case were damaged
        assert not case.damaged
        assert store.verify_audit().ok
        if case.state == "signed":
            note = store.load_signed_note(case_id)
            assert note is not None and note.signer == "Anne Hansen"
            return "signed"
        assert case.state == "draft" and store.load_signed_note(case_id) is None
        draft = store.load_draft(case_id)
        assert draft is not None and draft.text == draft_text
        return "draft"


@pytest.mark.slow
def test_kill_during_sign_leaves_the_case_signed_or_as_it_was(tmp_path: Path) -> None:
    keys = make_keys()
    template = tmp_path / "template"
    with open_store(template, keys) as store:
        case_id = store.create_case(title="J.nr. 1", consent="given", consent_by="Borger B")
        recording = store.start_recording(case_id)
        recording.write(bytes(32_000 * 5))
        recording.stop()
        save_draft_like_the_draft_command(store, case_id)
        stored = store.load_draft(case_id)
        assert stored is not None
        draft_text = stored.text
    timing = tmp_path / "timing"
    shutil.copytree(template, timing)
    started = time.monotonic()
    assert _sign(timing, keys, case_id).wait(timeout=60) == 0
    full_s = time.monotonic() - started
    outcomes: list[str] = []
    killed = 0
    for trial in range(KILLS):
        data = tmp_path / f"kill{trial}"
        shutil.copytree(template, data)
        child = _sign(data, keys, case_id)
        time.sleep(full_s * (0.3 + 0.8 * trial / (KILLS - 1)))
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            killed += 1
        child.wait(timeout=30)
        outcomes.append(_state_after(data, keys, case_id, draft_text))
        if outcomes[-1] == "draft":  # nothing stale stops signing afterwards
            assert _sign(data, keys, case_id).wait(timeout=60) == 0
            assert _state_after(data, keys, case_id, draft_text) == "signed"
    assert killed >= 2, (killed, outcomes)
