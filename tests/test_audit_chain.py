"""The audit trail: hash chain + MAC'd head catch edits, deletions, reordering and truncation;
payloads are an allow-list, so no name or transcript text gets in."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.store_support import REPO, encodings, make_keys, open_store

from assist.errors import AssistError
from assist.secure.keys import KeyMaterial
from assist.store.audit import check_payload
from assist.transcript import Segment

MARKER = "QQAUDITMARKER42"


def _build(data_dir: Path, keys: KeyMaterial) -> None:
    with open_store(data_dir, keys) as store:
        case_id = store.create_case(title=f"T {MARKER}", consent="given", consent_by=MARKER)
        recording = store.start_recording(case_id)
        recording.write(b"\x01\x00" * 8000)
        recording.on_segment(Segment(0, 0.0, 0.5, f"sagt {MARKER}", 0.9))
        recording.stop()
        store.save_draft(
            case_id,
            {"engine": "structured", "model": "none", "sections": []},
            f"tekst {MARKER}",
            generated=True,
        )
        store.save_draft_text(case_id, f"rettet {MARKER}")
        store.save_signed_note(case_id, {}, f"note {MARKER}", signer=f"Signer {MARKER}")
        store.mark_exported(case_id, export_format="docx")
        store.record_event(
            "model_imported", None, model="gemma-3-270m-q4km", kind="llm", sha256="ab" * 32
        )
        assert store.verify_audit().ok


def _verify(data_dir: Path, keys: KeyMaterial) -> tuple[bool, tuple[str, ...]]:
    with open_store(data_dir, keys) as store:
        report = store.verify_audit()
    return report.ok, report.problems


def _sql(data_dir: Path, *statements: str) -> None:
    with sqlite3.connect(data_dir / "cases.sqlite3") as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, KeyMaterial]:
    keys = make_keys()
    _build(tmp_path / "data", keys)
    return tmp_path / "data", keys


def test_intact_trail_verifies_and_records_what_happened(built: tuple[Path, KeyMaterial]) -> None:
    data_dir, keys = built
    assert _verify(data_dir, keys) == (True, ())
    with open_store(data_dir, keys) as store:
        events = [e.event for e in store.audit_events()]
    assert events == [
        "store_created",
        "case_created",
        "recording_started",
        "recording_stopped",
        "drafted",
        "edited",
        "signed",
        "exported",
        "model_imported",
    ]


def test_no_name_or_text_reaches_the_audit_trail(built: tuple[Path, KeyMaterial]) -> None:
    data_dir, keys = built
    with open_store(data_dir, keys) as store:
        shown = json.dumps([e.to_dict() for e in store.audit_events()], ensure_ascii=False)
        signed = next(e for e in store.audit_events() if e.event == "signed")
    with sqlite3.connect(data_dir / "cases.sqlite3") as conn:
        rows = json.dumps(conn.execute("SELECT * FROM audit").fetchall())
    for text in (shown, rows):
        assert [n for n in encodings(MARKER) if n in text.encode()] == []
    # The signer appears only as a keyed fingerprint.
    assert set(signed.payload) == {"signer_hash", "version"}
    assert len(signed.payload["signer_hash"]) == 32


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "x"},  # a key that is not on the allow-list
        {"model": "Hans Jensen"},  # a value with a space: free text cannot pass
        {"model": "x" * 200},
        {"model": ["a"]},
    ],
)
def test_payload_allow_list_refuses_anything_else(payload: dict[str, object]) -> None:
    with pytest.raises(AssistError) as refused:
        check_payload("model_imported", payload)
    assert refused.value.code == "store.audit_field_refused"


TAMPERING: dict[str, Callable[[Path], None]] = {
    "edit_payload": lambda d: _sql(
        d, 'UPDATE audit SET payload = \'{"consent":"refused"}\' WHERE seq = 2'
    ),
    "edit_time": lambda d: _sql(
        d, "UPDATE audit SET at = '2020-01-01T00:00:00+00:00' WHERE seq = 3"
    ),
    "delete_middle": lambda d: _sql(d, "DELETE FROM audit WHERE seq = 4"),
    "reorder": lambda d: _sql(
        d,
        "UPDATE audit SET seq = -1 WHERE seq = 5",
        "UPDATE audit SET seq = 5 WHERE seq = 6",
        "UPDATE audit SET seq = 6 WHERE seq = -1",
    ),
    "truncate_tail": lambda d: _sql(d, "DELETE FROM audit WHERE seq >= 8"),
    "truncate_tail_and_rewind_head": lambda d: _sql(
        d,
        "DELETE FROM audit WHERE seq >= 8",
        "UPDATE audit_head SET seq = 7, last_mac = (SELECT mac FROM audit WHERE seq = 7)",
    ),
    "truncate_tail_and_drop_head": lambda d: _sql(
        d, "DELETE FROM audit WHERE seq >= 8", "DELETE FROM audit_head"
    ),
    "delete_everything": lambda d: _sql(d, "DELETE FROM audit", "DELETE FROM audit_head"),
    "delete_head_file": lambda d: (d / "audit-head.json").unlink(),
}


@pytest.mark.parametrize("attack", sorted(TAMPERING))
def test_tampering_is_detected(built: tuple[Path, KeyMaterial], attack: str) -> None:
    data_dir, keys = built
    TAMPERING[attack](data_dir)
    ok, problems = _verify(data_dir, keys)
    assert not ok and problems, attack


def test_a_database_restored_from_an_older_copy_is_detected(tmp_path: Path) -> None:
    keys = make_keys()
    data_dir = tmp_path / "data"
    _build(data_dir, keys)
    shutil.copy(data_dir / "cases.sqlite3", tmp_path / "old.sqlite3")
    with open_store(data_dir, keys) as store:
        store.delete_case(store.list_cases()[0].case_id)  # what someone wants to hide
    shutil.copy(tmp_path / "old.sqlite3", data_dir / "cases.sqlite3")
    ok, problems = _verify(data_dir, keys)
    assert not ok and any(p.startswith("rewound") for p in problems)
    # New events on the rewound database do not paper over it.
    with open_store(data_dir, keys) as store:
        for _ in range(3):
            store.create_case(title="ny")
    ok, problems = _verify(data_dir, keys)
    assert not ok and any(p.startswith("head_file_mismatch") for p in problems)


def test_cli_verify_fails_loudly_with_nonzero_exit(built: tuple[Path, KeyMaterial]) -> None:
    data_dir, keys = built
    env = {
        **os.environ,
        "ASSIST_DATA_DIR": str(data_dir),
        "ASSIST_LANG": "en",
        "ASSIST_TEST_MASTER_KEY": keys.master_key.hex(),
    }
    script = REPO / "tests" / "helpers" / "store_cli_with_key.py"
    intact = subprocess.run(
        [sys.executable, str(script), "audit", "verify"], env=env, capture_output=True, text=True
    )
    assert intact.returncode == 0, intact.stderr
    TAMPERING["delete_middle"](data_dir)
    broken = subprocess.run(
        [sys.executable, str(script), "audit", "verify"], env=env, capture_output=True, text=True
    )
    assert broken.returncode == 3
    assert "BROKEN" in broken.stderr and "Traceback" not in broken.stderr


@pytest.mark.parametrize("attack", ["truncate_tail", "truncate_tail_and_drop_head", "reorder"])
def test_the_store_keeps_working_after_tampering_and_the_evidence_stays(
    built: tuple[Path, KeyMaterial], attack: str
) -> None:
    data_dir, keys = built
    TAMPERING[attack](data_dir)
    with open_store(data_dir, keys) as store:
        for _ in range(12):  # more events than were removed
            store.create_case(title="videre")
        report = store.verify_audit()
    assert not report.ok, attack
