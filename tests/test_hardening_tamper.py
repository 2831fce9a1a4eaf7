"""Tampering with the case store's database the way someone with file access but without the key
would (sqlite3 on the file): every value that gates an action or that a note rests on is checked
against the case's sealed manifest, case by case, and `audit verify` reports what it finds."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.store_support import MovableClock, make_keys, open_store

from assist.casework import edit_section
from assist.cli import main
from assist.errors import AssistError
from assist.secure.keys import KeyMaterial, load_keys
from assist.store import CaseStore
from assist.store.schema import DB_NAME
from assist.transcript import Segment, Transcript

DAMAGED = "store.case_damaged"


def _sql(data_dir: Path, statement: str, params: tuple[object, ...] = ()) -> None:
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        conn.execute(statement, params)


def _one(data_dir: Path, query: str, params: tuple[object, ...] = ()) -> tuple[object, ...]:
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        row = conn.execute(query, params).fetchone()
    assert row is not None
    return tuple(row)


def _draft(text: str) -> dict[str, object]:
    return {
        "template": "journalnotat",
        "engine": "structured",
        "model": "none",
        "sections": [
            {
                "id": "samtale",
                "title": "Samtale",
                "generated": True,
                "sentences": [{"text": text, "sources": [0], "flags": []}],
            }
        ],
    }


def _transcript() -> Transcript:
    return Transcript(
        language="da",
        duration_s=6.0,
        model="whisper-base-ct2",
        segments=(
            Segment(0, 0.0, 2.0, "Jeg har svært ved at betale huslejen.", 0.9),
            Segment(1, 2.0, 4.0, "Jeg har ikke fået hjælp før.", 0.9),
            Segment(2, 4.0, 6.0, "Vi ses igen den 14. marts.", 0.9),
        ),
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def keys() -> KeyMaterial:
    return make_keys()


@pytest.fixture
def store(data_dir: Path, keys: KeyMaterial) -> Iterator[CaseStore]:
    opened = open_store(data_dir, keys, MovableClock())
    yield opened
    with contextlib.suppress(sqlite3.ProgrammingError):  # most tests close it themselves
        opened.close()


def _reopen(data_dir: Path, keys: KeyMaterial) -> CaseStore:
    return open_store(data_dir, keys, MovableClock())


def _damage_reason(raised: pytest.ExceptionInfo[AssistError]) -> str:
    assert raised.value.code == DAMAGED, raised.value
    return str(raised.value.params["reason"])


def _audit_problems(data_dir: Path, keys: KeyMaterial) -> tuple[str, ...]:
    with _reopen(data_dir, keys) as store:
        report = store.verify_audit()
    assert not report.ok
    return report.problems


# ---- the four reported tampers -----------------------------------------------------------------


def test_an_older_sealed_draft_written_back_is_detected(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    case_id = store.create_case(title="t")
    store.save_draft(case_id, _draft("Første."), "Første udgave.", generated=True)
    old = _one(data_dir, "SELECT revision, draft_json, draft_text, saved_at FROM drafts")
    store.save_draft_text(case_id, "Rettet udgave, som borgeren har fået læst op.")
    store.close()
    # Rollback: the older sealed text goes back over the current revision (with or without its
    # old revision number).
    _sql(
        data_dir,
        "UPDATE drafts SET draft_json = ?, draft_text = ?, saved_at = ? WHERE case_id = ?",
        (old[1], old[2], old[3], case_id),
    )
    with _reopen(data_dir, keys) as reopened:
        with pytest.raises(AssistError) as raised:
            reopened.load_draft(case_id)
        assert "draft" in _damage_reason(raised)
        with pytest.raises(AssistError) as raised:
            reopened.save_draft_text(case_id, "Autosave må ikke skjule det.")
        assert "draft" in _damage_reason(raised)
    _sql(data_dir, "UPDATE drafts SET revision = ? WHERE case_id = ?", (old[0], case_id))
    with _reopen(data_dir, keys) as reopened, pytest.raises(AssistError) as raised:
        reopened.load_draft(case_id)
    assert "draft" in _damage_reason(raised)
    assert any(p.startswith(f"case_damaged:{case_id}:") for p in _audit_problems(data_dir, keys))


def test_a_deleted_transcript_segment_is_detected(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    case_id = store.create_case(title="t")
    store.save_transcript(case_id, _transcript())
    store.close()
    _sql(data_dir, "DELETE FROM transcript_segments WHERE case_id = ? AND seq = 1", (case_id,))
    with _reopen(data_dir, keys) as reopened:
        with pytest.raises(AssistError) as raised:
            reopened.load_transcript(case_id)
        assert "segments" in _damage_reason(raised)
        with pytest.raises(AssistError) as raised:
            reopened.save_transcript(case_id, _transcript())  # would paper over the deletion
        assert "segments" in _damage_reason(raised)
    problems = _audit_problems(data_dir, keys)
    assert f"case_damaged:{case_id}:segments" in problems


def test_a_deleted_live_segment_is_detected(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    case_id = store.create_case(title="t", consent="given", consent_by="Borger B")
    recording = store.start_recording(case_id)
    for index in range(3):
        recording.on_segment(Segment(index, index * 1.0, index + 1.0, f"Sætning {index}.", 0.9))
    recording.stop()
    assert len(store.load_transcript(case_id).segments) == 3  # type: ignore[union-attr]
    store.close()
    _sql(data_dir, "DELETE FROM transcript_segments WHERE case_id = ? AND seq = 2", (case_id,))
    with _reopen(data_dir, keys) as reopened, pytest.raises(AssistError) as raised:
        reopened.load_transcript(case_id)
    assert "segments" in _damage_reason(raised)


def test_consent_set_to_given_on_a_refused_case_does_not_allow_recording(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    case_id = store.create_case(title="t", consent="refused")
    store.close()
    _sql(data_dir, "UPDATE cases SET consent = 'given' WHERE case_id = ?", (case_id,))
    with _reopen(data_dir, keys) as reopened:
        with pytest.raises(AssistError) as raised:
            reopened.start_recording(case_id)
        assert "consent" in _damage_reason(raised)
        with pytest.raises(AssistError) as raised:
            reopened.consent_status(case_id)
        assert "consent" in _damage_reason(raised)
        assert list((data_dir / "recordings").iterdir()) == []
    assert f"case_damaged:{case_id}:consent" in _audit_problems(data_dir, keys)


def test_a_deleted_signed_note_does_not_make_the_note_editable_again(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    case_id = store.create_case(title="t")
    store.save_draft(case_id, _draft("Første."), "Første.", generated=True)
    store.save_signed_note(case_id, {"v": 1}, "Første.", signer="Karen Hansen")
    store.close()
    _sql(data_dir, "DELETE FROM signed_notes WHERE case_id = ?", (case_id,))
    with _reopen(data_dir, keys) as reopened:
        with pytest.raises(AssistError) as raised:
            reopened.load_signed_note(case_id)
        assert "signed_notes" in _damage_reason(raised)
        with pytest.raises(AssistError) as raised:
            edit_section(reopened, case_id, "faglig_vurdering", "Ændret bagefter.")
        assert raised.value.code == DAMAGED
    assert f"case_damaged:{case_id}:signed_notes" in _audit_problems(data_dir, keys)


# ---- more of the same kind ---------------------------------------------------------------------


def test_a_signed_case_set_back_to_draft_is_detected(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    case_id = store.create_case(title="t")
    store.save_draft(case_id, _draft("Første."), "Første.", generated=True)
    store.save_signed_note(case_id, {"v": 1}, "Første.", signer="Karen Hansen")
    store.close()
    _sql(data_dir, "DELETE FROM signed_notes WHERE case_id = ?", (case_id,))
    _sql(
        data_dir, "UPDATE cases SET state = 'draft', signed_at = NULL WHERE case_id = ?", (case_id,)
    )
    with _reopen(data_dir, keys) as reopened:
        for action in (
            lambda: reopened.save_draft_text(case_id, "Ny tekst."),
            lambda: reopened.save_transcript(case_id, _transcript()),
            lambda: reopened.get_case(case_id),
        ):
            with pytest.raises(AssistError) as raised:
                action()
            reason = _damage_reason(raised)
            assert "state" in reason and "signed_notes" in reason


def test_a_whole_case_put_back_from_an_older_copy_is_detected(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    """Someone keeps the case's rows (manifest included) from before signing and writes all of
    them back afterwards: the audit trail says a signing happened after that manifest."""
    case_id = store.create_case(title="t")
    store.save_draft(case_id, _draft("Første."), "Første.", generated=True)
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        case_row = conn.execute("SELECT * FROM cases WHERE case_id = ?", (case_id,)).fetchone()
        manifest = conn.execute(
            "SELECT * FROM case_manifests WHERE case_id = ?", (case_id,)
        ).fetchone()
    store.save_signed_note(case_id, {"v": 1}, "Første.", signer="Karen Hansen")
    store.close()
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        conn.execute("DELETE FROM signed_notes WHERE case_id = ?", (case_id,))
        conn.execute(f"REPLACE INTO cases VALUES ({','.join('?' * len(case_row))})", case_row)
        conn.execute(
            f"REPLACE INTO case_manifests VALUES ({','.join('?' * len(manifest))})", manifest
        )
    with _reopen(data_dir, keys) as reopened, pytest.raises(AssistError) as raised:
        reopened.save_draft_text(case_id, "Redigeret igen.")
    assert "out_of_date" in _damage_reason(raised)


@pytest.mark.parametrize(
    "attack",
    [
        "DELETE FROM case_manifests",
        "UPDATE case_manifests SET sealed = randomblob(length(sealed))",
        "UPDATE case_manifests SET sealed = substr(sealed, 1, 40)",
        "UPDATE cases SET note_type = 'opfoelgning'",
        "UPDATE cases SET consent_at = '2020-01-01T00:00:00+00:00'",
    ],
)
def test_other_edits_of_plain_columns_or_the_manifest_are_detected(
    store: CaseStore, data_dir: Path, keys: KeyMaterial, attack: str
) -> None:
    case_id = store.create_case(title="t", note_type="journalnotat", consent="refused")
    store.close()
    _sql(data_dir, attack)
    with _reopen(data_dir, keys) as reopened, pytest.raises(AssistError) as raised:
        reopened.get_case(case_id)
    assert raised.value.code == DAMAGED
    assert any(p.startswith(f"case_damaged:{case_id}:") for p in _audit_problems(data_dir, keys))


def test_a_manifest_copied_from_another_case_does_not_fit(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    first, second = store.create_case(title="a"), store.create_case(title="b", consent="refused")
    store.close()
    (sealed,) = _one(data_dir, "SELECT sealed FROM case_manifests WHERE case_id = ?", (first,))
    _sql(data_dir, "UPDATE case_manifests SET sealed = ? WHERE case_id = ?", (sealed, second))
    with _reopen(data_dir, keys) as reopened, pytest.raises(AssistError) as raised:
        reopened.get_case(second)
    assert _damage_reason(raised) == "manifest"


def test_an_older_title_written_back_is_detected(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    case_id = store.create_case(title="J.nr. 1")
    (old,) = _one(data_dir, "SELECT title FROM cases WHERE case_id = ?", (case_id,))
    store.update_case(case_id, title="J.nr. 2")
    store.close()
    _sql(data_dir, "UPDATE cases SET title = ? WHERE case_id = ?", (old, case_id))
    with _reopen(data_dir, keys) as reopened, pytest.raises(AssistError) as raised:
        reopened.get_case(case_id)
    assert _damage_reason(raised) == "title"


def test_a_case_deleted_behind_assists_back_is_reported_by_audit_verify(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    kept, removed = store.create_case(title="a"), store.create_case(title="b")
    gone = store.create_case(title="c")
    store.delete_case(gone)  # a real deletion is audited and fine
    store.close()
    _sql(data_dir, "DELETE FROM cases WHERE case_id = ?", (removed,))
    problems = _audit_problems(data_dir, keys)
    assert problems == (f"case_missing:{removed}",)
    with _reopen(data_dir, keys) as reopened:
        assert [c.case_id for c in reopened.list_cases()] == [kept]


# ---- one damaged case, the others work ----------------------------------------------------------


def test_one_damaged_case_is_listed_as_damaged_and_the_others_work(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    good = store.create_case(title="god")
    bad = store.create_case(title="ødelagt", consent="refused")
    store.close()
    _sql(data_dir, "UPDATE cases SET consent = 'given' WHERE case_id = ?", (bad,))
    with _reopen(data_dir, keys) as reopened:
        listed = {c.case_id: c for c in reopened.list_cases()}
        assert set(listed) == {good, bad}
        assert listed[good].damaged is None and listed[good].title == "god"
        assert listed[bad].damaged == "consent"
        assert listed[bad].to_dict()["damaged"] == "consent"
        reopened.save_draft_text(good, "Den gode sag kan stadig redigeres.")
        assert reopened.load_draft(good) is not None


def test_the_cli_lists_shows_refuses_and_verify_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assist.secure.keys import ScryptParams

    data_dir = tmp_path / "cli-data"
    env = {"ASSIST_PASSPHRASE": "korrekt hest batteri", "ASSIST_KEY_SOURCE": "passphrase"}
    load_keys(data_dir, env, new_passphrase_kdf=ScryptParams(log2_n=10))
    for name, value in {**env, "ASSIST_DATA_DIR": str(data_dir), "ASSIST_LANG": "en"}.items():
        monkeypatch.setenv(name, value)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    _, good, _ = run("case", "new", "--title", "Good")
    _, bad, _ = run("case", "new", "--title", "Bad", "--consent", "refused")
    good, bad = good.strip(), bad.strip()
    assert run("audit", "verify")[0] == 0
    _sql(data_dir, "UPDATE cases SET consent = 'given' WHERE case_id = ?", (bad,))

    code, out, err = run("case", "list")
    assert code == 0 and good in out and "Good" in out
    [bad_line] = [line for line in out.splitlines() if line.startswith(bad)]
    assert "DAMAGED" in bad_line and "consent" in bad_line
    code, out, _ = run("case", "list", "--json")
    assert {c["id"]: c["damaged"] for c in json.loads(out)} == {good: None, bad: "consent"}

    code, _, err = run("case", "show", bad)
    assert code == 3 and bad in err and "consent" in err and "Traceback" not in err
    sample = Path(__file__).resolve().parent / "fixtures" / "sample-da.wav"
    code, _, err = run("record", "--case", bad, "--input", str(sample))
    assert code == 3 and "consent" in err
    code, _, err = run("audit", "verify")
    assert code == 3 and f"case_damaged:{bad}:consent" in err
    code, out, _ = run("case", "show", good, "--json")
    assert code == 0 and json.loads(out)["damaged"] is None


# ---- what must keep working ---------------------------------------------------------------------


def test_withdrawing_consent_on_a_damaged_case_still_deletes_its_audio(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    case_id = store.create_case(title="t", consent="given", consent_by="Borger B")
    recording = store.start_recording(case_id)
    recording.write(b"\x01\x00" * 16000)
    recording.stop()
    store.close()
    _sql(data_dir, "DELETE FROM case_manifests WHERE case_id = ?", (case_id,))
    with _reopen(data_dir, keys) as reopened:
        assert reopened.withdraw_consent(case_id, "Borger B") == 1
        assert list((data_dir / "recordings").iterdir()) == []


def test_two_store_objects_on_one_database_never_see_false_damage(
    data_dir: Path, keys: KeyMaterial
) -> None:
    with _reopen(data_dir, keys) as writer, _reopen(data_dir, keys) as reader:
        case_id = writer.create_case(title="t", consent="given", consent_by="Borger B")
        recording = writer.start_recording(case_id)
        for index in range(20):
            recording.on_segment(Segment(index, float(index), index + 1.0, f"S {index}.", 0.9))
            writer.save_draft_text(case_id, f"Tekst {index}")
            transcript = reader.load_transcript(case_id)
            assert transcript is not None and len(transcript.segments) == index + 1
            assert reader.load_draft(case_id).revision == index + 1  # type: ignore[union-attr]
            assert reader.consent_status(case_id) == "given"
        recording.stop()
        writer.save_transcript(case_id, _transcript())
        writer.save_signed_note(case_id, {"v": 1}, "x", signer="Karen Hansen")
        writer.mark_exported(case_id, export_format="txt")
        writer.save_draft_text(case_id, "Version 2")
        writer.save_signed_note(case_id, {"v": 2}, "y", signer="Karen Hansen")
        writer.set_consent(case_id, "refused")
        assert reader.get_case(case_id).state == "signed"
        assert reader.verify_audit().ok, reader.verify_audit().problems


def test_a_store_from_before_manifests_is_migrated_and_stays_readable(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    case_id = store.create_case(title="gammel", consent="given", consent_by="Borger B")
    store.save_transcript(case_id, _transcript())
    store.save_draft(case_id, _draft("Første."), "Første.", generated=True)
    store.save_signed_note(case_id, {"v": 1}, "Første.", signer="Karen Hansen")
    store.close()
    # What a schema 1 database looks like: no manifests.
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        conn.execute("DROP TABLE case_manifests")
        conn.execute("UPDATE meta SET value = CAST('1' AS BLOB) WHERE key = 'schema_version'")
    with _reopen(data_dir, keys) as reopened:
        info = reopened.get_case(case_id)
        assert (info.title, info.state, info.damaged) == ("gammel", "signed", None)
        assert reopened.load_signed_note(case_id) is not None
        assert reopened.verify_audit().ok
        assert "store_migrated" in [e.event for e in reopened.audit_events()]
    (version,) = _one(data_dir, "SELECT value FROM meta WHERE key = 'schema_version'")
    assert bytes(version) == b"2"  # type: ignore[arg-type]
    _sql(data_dir, "UPDATE cases SET consent = 'refused' WHERE case_id = ?", (case_id,))
    with _reopen(data_dir, keys) as reopened, pytest.raises(AssistError) as raised:
        reopened.get_case(case_id)
    assert _damage_reason(raised) == "consent"


def test_retention_deletes_nothing_on_a_damaged_cases_say_so(
    store: CaseStore, data_dir: Path, keys: KeyMaterial
) -> None:
    # An exported case whose state was edited to "draft" would look due for deletion.
    from datetime import UTC, datetime

    from assist.store.retention import RetentionPolicy, apply_retention

    case_id = store.create_case(title="J.nr. 8")
    store.close()
    _sql(data_dir, "UPDATE cases SET state = 'exported', exported_at = '2020-01-01T00:00:00+00:00'"
         " WHERE case_id = ?", (case_id,))  # fmt: skip
    reopened = _reopen(data_dir, keys)
    report = apply_retention(reopened, RetentionPolicy(), datetime(2030, 1, 1, tzinfo=UTC))
    assert (report.cases_purged, report.cases_skipped_damaged) == (0, 1)
    assert [c.case_id for c in reopened.list_cases()] == [case_id]
    reopened.close()
