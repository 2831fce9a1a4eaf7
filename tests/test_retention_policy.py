"""Retention with a moved clock: audio after signing, unsigned cases after 30 days of no change,
exported cases 30 days after export; every deletion and the policy in force are audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.store_support import T0, MovableClock, make_keys, open_store

from assist.store import CaseStore, RetentionPolicy, apply_retention

SECOND = b"\x05\x00" * 16_000


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def store(tmp_path: Path, clock: MovableClock) -> CaseStore:
    with open_store(tmp_path / "data", make_keys(), clock) as opened:
        yield opened


def _recorded_case(store: CaseStore) -> str:
    case_id = store.create_case(title="x", consent="given", consent_by="B")
    recording = store.start_recording(case_id)
    recording.write(SECOND)
    recording.stop()
    return case_id


def _ids(store: CaseStore) -> set[str]:
    return {c.case_id for c in store.list_cases()}


def test_unsigned_case_goes_30_days_after_its_last_change(
    store: CaseStore, clock: MovableClock
) -> None:
    idle = store.create_case(title="idle")
    busy = store.create_case(title="busy")
    clock.advance(days=20)
    store.save_draft_text(busy, "rettet")  # a change restarts its 30 days
    clock.advance(days=9, hours=23)
    assert apply_retention(store, RetentionPolicy()).cases_purged == 0
    clock.advance(hours=1)
    report = apply_retention(store, RetentionPolicy())
    assert (report.cases_purged_unsigned, _ids(store)) == (1, {busy})
    clock.advance(days=20)
    assert apply_retention(store, RetentionPolicy()).cases_purged_unsigned == 1
    assert _ids(store) == set()
    purged = [e for e in store.audit_events(idle) if e.event == "case_purged"]
    assert [e.payload["reason"] for e in purged] == ["retention_unsigned"]


def test_audio_goes_when_signed_and_signed_case_after_export(
    store: CaseStore, clock: MovableClock
) -> None:
    case_id = _recorded_case(store)
    assert apply_retention(store, RetentionPolicy()).audio_deleted == 0  # not signed yet
    store.save_signed_note(case_id, {}, "note", signer="S")
    report = apply_retention(store, RetentionPolicy())
    assert report.audio_deleted == 1
    assert [r.deleted_reason for r in store.get_case(case_id).recordings] == ["retention"]
    assert list(store.recordings_dir.iterdir()) == []
    clock.advance(days=365)  # signed but never exported: kept (not yet in the case system)
    assert apply_retention(store, RetentionPolicy()).cases_purged == 0
    store.mark_exported(case_id, export_format="docx")
    clock.advance(days=29)
    assert apply_retention(store, RetentionPolicy()).cases_purged == 0
    clock.advance(days=1)
    assert apply_retention(store, RetentionPolicy()).cases_purged_exported == 1
    assert _ids(store) == set()


def test_review_window_keeps_audio_for_a_while(store: CaseStore, clock: MovableClock) -> None:
    case_id = _recorded_case(store)
    store.save_signed_note(case_id, {}, "note", signer="S")
    policy = RetentionPolicy(audio_review_days=2, source="policy")
    clock.advance(days=1)
    assert apply_retention(store, policy).audio_deleted == 0
    assert store.read_recording(store.get_case(case_id).recordings[0].recording_id).complete
    clock.advance(days=1)
    assert apply_retention(store, policy).audio_deleted == 1


def test_now_argument_overrides_the_clock(store: CaseStore) -> None:
    store.create_case(title="x")
    report = apply_retention(store, RetentionPolicy(), now=T0.replace(year=T0.year + 1))
    assert report.cases_purged_unsigned == 1


def test_policy_in_force_is_audited_when_it_changes(store: CaseStore) -> None:
    apply_retention(store, RetentionPolicy())
    apply_retention(store, RetentionPolicy())
    apply_retention(store, RetentionPolicy(unsigned_case_days=10, source="policy"))
    policies = [e.payload for e in store.audit_events() if e.event == "policy_in_force"]
    assert [(p["source"], p["unsigned_case_days"]) for p in policies] == [
        ("default", 30),
        ("policy", 10),
    ]


def test_leftover_audio_of_withdrawn_consent_is_deleted(store: CaseStore) -> None:
    case_id = _recorded_case(store)
    # As if a crash hit between recording the withdrawal and deleting the audio.
    with store._write() as conn:
        conn.execute("UPDATE cases SET consent = 'withdrawn' WHERE case_id = ?", (case_id,))
    assert apply_retention(store, RetentionPolicy()).audio_deleted == 1
    assert list(store.recordings_dir.iterdir()) == []


def test_startup_housekeeping_recovers_then_applies_retention(tmp_path: Path) -> None:
    from assist.store import run_startup_housekeeping

    keys, clock = make_keys(), MovableClock()
    crashed = open_store(tmp_path, keys, clock)
    old = crashed.create_case(title="gammel", consent="given", consent_by="B")
    first = crashed.start_recording(old)
    first.write(SECOND * 2)  # then the app dies: never stopped
    clock.advance(days=10)
    fresh = crashed.create_case(title="ny", consent="given", consent_by="B")
    second = crashed.start_recording(fresh)
    second.write(SECOND)
    for recording in (first, second):  # what the OS does for a process that died
        recording._case_lock.release()
    clock.advance(days=21)
    with open_store(tmp_path, keys, clock) as store:
        result = run_startup_housekeeping(store, RetentionPolicy())
        assert {(r.case_id, r.problem) for r in result.recovered} == {
            (old, "truncated"),
            (fresh, "truncated"),
        }
        assert result.retention.cases_purged_unsigned == 1
        [kept] = store.list_cases()
        assert kept.case_id == fresh and kept.recordings[0].state == "recovered"
        assert len(list(store.recordings_dir.iterdir())) == 1
        assert store.verify_audit().ok
