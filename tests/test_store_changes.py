"""Change notices: what the store tells its subscribers, when, and what other processes did."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.store_support import (
    HELPERS,
    MovableClock,
    make_keys,
    open_store,
    pcm_of,
    subprocess_env,
)

from assist.errors import AssistError
from assist.secure.keys import KeyMaterial
from assist.store import CaseStore, Change
from assist.store.changes import CHANGE_KINDS
from assist.transcript import Segment, Transcript


@pytest.fixture
def keys() -> KeyMaterial:
    return make_keys()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path, keys: KeyMaterial) -> Iterator[CaseStore]:
    with open_store(data_dir, keys, MovableClock()) as opened:
        yield opened


@pytest.fixture
def observer(store: CaseStore, data_dir: Path, keys: KeyMaterial) -> Iterator[CaseStore]:
    """A second store object on the same folder: its connection sees committed data only."""
    with open_store(data_dir, keys) as opened:
        yield opened


class Seen:
    """A subscriber that, for each notice, reads what the observer (another connection) sees
    right then: so a notice sent before the commit would find the old state."""

    def __init__(self, observer: CaseStore) -> None:
        self.observer = observer
        self.notices: list[tuple[Change, object]] = []
        self.threads: list[int] = []

    def __call__(self, change: Change) -> None:
        self.threads.append(threading.get_ident())
        self.notices.append((change, self._look(change)))

    def _look(self, change: Change) -> object:
        case_id = change.case_id
        assert case_id is not None
        if change.kind in ("case_deleted", "purged"):
            return case_id in self.observer.known_case_ids()
        if change.kind == "draft_saved":
            draft = self.observer.load_draft(case_id)
            return None if draft is None else (draft.revision, draft.text)
        if change.kind == "segments_added":
            transcript = self.observer.load_transcript(case_id)
            return None if transcript is None else [s.text for s in transcript.segments]
        info = self.observer.get_case(case_id)
        return (
            info.title,
            info.consent.status,
            info.state,
            tuple((r.state, r.has_audio) for r in info.recordings),
        )

    def take(self) -> list[tuple[Change, object]]:
        found, self.notices = self.notices, []
        return found


def _transcript() -> Transcript:
    return Transcript(
        language="da",
        duration_s=2.0,
        model="whisper-base-ct2",
        segments=(Segment(0, 0.0, 1.0, "Et.", 0.9), Segment(1, 1.0, 2.0, "To.", 0.9)),
    )


def _draft() -> dict[str, object]:
    return {
        "template": "samtale",
        "engine": "structured",
        "model": "none",
        "sections": [
            {
                "id": "forloeb",
                "title": "Forløb",
                "generated": True,
                "sentences": [{"text": "Et.", "sources": [0], "flags": []}],
            }
        ],
    }


def test_every_changing_method_notifies_after_its_commit(
    store: CaseStore, observer: CaseStore
) -> None:
    seen = Seen(observer)
    store.subscribe(seen)

    case_id = store.create_case(title="A")
    assert seen.take() == [(Change("case_created", case_id), ("A", "not-asked", "draft", ()))]
    store.update_case(case_id, title="B")
    assert seen.take() == [(Change("case_changed", case_id), ("B", "not-asked", "draft", ()))]
    store.set_consent(case_id, "given", "Åse")
    assert seen.take() == [(Change("consent", case_id), ("B", "given", "draft", ()))]

    recording = store.start_recording(case_id)
    assert seen.take() == [
        (Change("case_changed", case_id), ("B", "given", "draft", (("recording", True),)))
    ]
    recording.write(pcm_of("lyd", 0.2))
    assert recording.on_segment(Segment(0, 0.0, 1.0, "Hej.", 0.9)) is not None
    assert seen.take() == [(Change("segments_added", case_id), ["Hej."])]
    recording.stop()
    assert seen.take() == [
        (Change("case_changed", case_id), ("B", "given", "draft", (("stopped", True),)))
    ]

    store.save_transcript(case_id, _transcript())
    assert seen.take() == [(Change("segments_added", case_id), ["Et.", "To."])]
    store.save_draft(case_id, _draft(), "Et.", generated=True)
    assert seen.take() == [(Change("draft_saved", case_id), (1, "Et."))]
    store.save_draft_text(case_id, "Et, rettet.")
    assert seen.take() == [(Change("draft_saved", case_id), (2, "Et, rettet."))]
    store.save_signed_note(case_id, {"v": 1}, "Et, rettet.", signer="Karen")
    assert seen.take() == [
        (Change("signed", case_id), ("B", "given", "signed", (("stopped", True),)))
    ]
    store.mark_exported(case_id, export_format="txt")
    assert seen.take() == [
        (Change("exported", case_id), ("B", "given", "exported", (("stopped", True),)))
    ]
    assert store.delete_audio(case_id, "retention") == 1
    assert seen.take() == [
        (Change("audio_deleted", case_id), ("B", "given", "exported", (("deleted", False),)))
    ]
    assert store.delete_audio(case_id, "retention") == 0  # nothing left: nothing changed
    assert seen.take() == []
    store.purge_case(case_id, "exported")
    assert seen.take() == [(Change("purged", case_id), False)]

    other = store.create_case(title="C", consent="given", consent_by="Bo")
    store.start_recording(other).stop()
    seen.take()
    store.withdraw_consent(other, "Bo")
    assert seen.take() == [
        (Change("consent", other), ("C", "withdrawn", "draft", (("stopped", True),))),
        (Change("audio_deleted", other), ("C", "withdrawn", "draft", (("deleted", False),))),
    ]
    store.set_consent(other, "refused")
    assert [change for change, _ in seen.take()] == [Change("consent", other)]
    store.delete_case(other)
    assert seen.take() == [(Change("case_deleted", other), False)]
    assert set(seen.threads) == {threading.get_ident()}


def test_withdrawn_via_set_consent_and_during_a_recording(store: CaseStore) -> None:
    changes: list[Change] = []
    case_id = store.create_case(title="A", consent="given", consent_by="Bo")
    recording = store.start_recording(case_id)
    recording.write(pcm_of("lyd", 0.2))
    store.subscribe(changes.append)
    store.set_consent(case_id, "withdrawn", "Bo")
    # The running recording stops (its own commit), then consent, then the audio goes.
    assert changes == [
        Change("case_changed", case_id),
        Change("consent", case_id),
        Change("audio_deleted", case_id),
    ]


def test_record_event_on_a_case_notifies_and_one_without_a_case_does_not(
    store: CaseStore,
) -> None:
    case_id = store.create_case(title="A")
    changes: list[Change] = []
    store.subscribe(changes.append)
    store.record_event("transcribed", case_id, model="m", segments=0)
    store.record_event("policy_in_force", None, source="default")
    assert changes == [Change("case_changed", case_id)]


def test_notices_of_one_transaction_are_coalesced_in_order(store: CaseStore) -> None:
    case_id = store.create_case(title="A")
    changes: list[Change] = []
    store.subscribe(changes.append)
    with store._write():
        store._changed("draft_saved", case_id)
        store._changed("case_changed", case_id)
        store._changed("draft_saved", case_id)
        assert changes == []  # nothing inside the transaction
    assert changes == [Change("draft_saved", case_id), Change("case_changed", case_id)]


def test_a_failed_transaction_sends_nothing(store: CaseStore) -> None:
    case_id = store.create_case(title="A")
    store.save_signed_note(case_id, {"v": 1}, "x", signer="K")
    changes: list[Change] = []
    store.subscribe(changes.append)

    with pytest.raises(AssistError) as refused:
        store.update_case(case_id, title="B")
    assert refused.value.code == "store.wrong_state"
    with pytest.raises(AssistError) as missing:
        store.save_draft_text("000000000000", "x")
    assert missing.value.code == "store.case_not_found"
    # Rolled back after the change was noted: still no notice, and nothing changed.
    with pytest.raises(RuntimeError), store._write() as conn:
        conn.execute("UPDATE cases SET note_type = 'x' WHERE case_id = ?", (case_id,))
        store._changed("case_changed", case_id)
        raise RuntimeError("boom")
    assert changes == []
    assert store.get_case(case_id).note_type == ""
    store.mark_exported(case_id, export_format="txt")  # the next transaction is unaffected
    assert changes == [Change("exported", case_id)]


def test_a_failing_subscriber_never_breaks_the_caller(
    store: CaseStore, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(change: Change) -> None:
        raise ValueError("subscriber bug")

    changes: list[Change] = []
    store.subscribe(broken)
    store.subscribe(changes.append)
    with caplog.at_level(logging.ERROR, logger="assist.store.changes"):
        case_id = store.create_case(title="A")
    assert store.get_case(case_id).title == "A"
    assert changes == [Change("case_created", case_id)]
    assert any("subscriber failed" in r.getMessage() for r in caplog.records)
    assert all("A" not in str(r.args) for r in caplog.records)


def test_unsubscribe_stops_notices(store: CaseStore) -> None:
    first: list[Change] = []
    second: list[Change] = []
    unsubscribe = store.subscribe(first.append)
    store.subscribe(second.append)
    case_id = store.create_case(title="A")
    unsubscribe()
    unsubscribe()  # twice is harmless
    store.update_case(case_id, title="B")
    assert first == [Change("case_created", case_id)]
    assert second == [Change("case_created", case_id), Change("case_changed", case_id)]


def test_notices_come_in_the_thread_that_made_the_change(store: CaseStore) -> None:
    threads: list[int] = []
    store.subscribe(lambda change: threads.append(threading.get_ident()))
    worker = threading.Thread(target=lambda: store.create_case(title="A"))
    worker.start()
    worker.join()
    assert threads == [worker.ident] and worker.ident != threading.get_ident()


def test_change_kinds_are_the_documented_ones() -> None:
    assert set(CHANGE_KINDS) == {
        "case_created",
        "case_changed",
        "case_deleted",
        "consent",
        "segments_added",
        "notes_changed",
        "draft_saved",
        "signed",
        "exported",
        "purged",
        "audio_deleted",
        "external",
    }


# ---- changes by another process ------------------------------------------------------------

_CHILD = """
import os, sys
from pathlib import Path
from assist.secure.keys import KeyMaterial, audit_key_from
from assist.store import open_case_store

master = bytes.fromhex(os.environ["ASSIST_TEST_MASTER_KEY"])
keys = KeyMaterial(master, audit_key_from(master), "passphrase")
changed, deleted = sys.argv[1:3]
with open_case_store(Path(os.environ["ASSIST_DATA_DIR"]), keys) as store:
    store.set_consent(changed, "refused")
    store.delete_case(deleted)
    print(store.create_case(title="C"))
"""


def test_poll_external_finds_what_another_process_changed(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    changed, deleted, own = (store.create_case(title=t) for t in ("A", "B", "E"))
    changes: list[Change] = []
    store.subscribe(changes.append)  # also the snapshot poll_external compares with
    assert store.poll_external() == ()  # nothing happened elsewhere

    store.update_case(own, title="E2")  # this process's own change is no external one
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, changed, deleted],
        env=subprocess_env(data_dir, keys),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    created = result.stdout.strip()
    changes.clear()

    found = store.poll_external()
    assert found == (
        Change("case_deleted", deleted),
        Change("case_created", created),
        Change("external", changed),
    )
    assert changes == list(found)
    assert store.get_case(changed).consent.status == "refused"
    assert store.poll_external() == ()
    assert changes == list(found)


def test_poll_external_sees_a_retention_run_in_another_process(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    stale = store.create_case(title="A")
    assert store.poll_external() == ()  # the first call takes the snapshot
    subprocess.run(
        [
            sys.executable,
            str(HELPERS / "store_cli_with_key.py"),
            "retention",
            "run",
            "--now",
            "2031-01-01T00:00:00+00:00",
        ],
        env=subprocess_env(data_dir, keys),
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert store.poll_external() == (Change("case_deleted", stale),)
    assert stale not in store.known_case_ids()


def test_poll_external_reports_a_change_beside_the_cases(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    store.create_case(title="A")
    assert store.poll_external() == ()
    with open_store(data_dir, keys) as other:  # another connection, same as another process
        other.record_event("policy_in_force", None, source="default")
    assert store.poll_external() == (Change("external", None),)
