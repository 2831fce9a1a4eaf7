"""Dictation's core: clean text with digits, segment links, uncertain numbers, the job, the note."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from helpers.store_support import make_keys, open_store

from assist.asr.engine import EngineSegment, EngineWord, FakeAsrEngine, Samples
from assist.asr.live import EnergySpeechDetector, LiveTranscriber, SpeechDetector
from assist.dictation import (
    DICTATION_LIVE,
    DICTATION_TEMPLATE,
    clean_dictation,
    dictate_utterance,
    dictation_draft,
    digits_for_numbers,
    save_dictation_draft,
)
from assist.drafting.types import Draft, DraftSection, DraftSentence
from assist.drafting.verify import UNCERTAIN_WORD_BELOW, verify_draft
from assist.engines.worker import EngineCrashed
from assist.jobs.events import Progress, Stage, run
from assist.jobs.recording import RecordingResult, RecordingSession
from assist.transcript import Segment, Transcript, Word


def segment(segment_id: int, text: str, *, low: frozenset[str] = frozenset(), at: float = 0.0):
    words = tuple(
        Word(at + i * 0.5, at + i * 0.5 + 0.4, w, 0.3 if w.strip(".,") in low else 0.95)
        for i, w in enumerate(text.split())
    )
    return Segment(segment_id, at, at + 0.5 * len(words), text, 0.9, words)


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("øh to panodiler klokken elleve", "2 panodiler kl. 11.00."),
        ("Hun fik fem hundrede milligram paracetamol.", "Hun fik 500 mg paracetamol."),
        ("Temperaturen var otteogtredive komma fem.", "Temperaturen var 38,5."),
        ("Jeg gav jeg gav hende halvanden tablet", "Jeg gav hende 1,5 tablet."),
        (
            "Hun har en kat og to hunde, tre gange om dagen.",
            "Hun har en kat og 2 hunde, 3 gange om dagen.",
        ),
        ("Hun fik fire tusind kroner den tolvte december.", "Hun fik 4.000 kr. 12. december."),
        ("Tusind tak for i dag.", "Tusind tak for i dag."),
        ("Altså, tyve milliliter vand.", "20 ml vand."),
        ("Blodsukkeret var tre komma en.", "Blodsukkeret var 3,1."),
        ("Hun faldt kvart i syv i aftes.", "Hun faldt kl. 18.45 i aftes."),
        ("Hvis han kaster op, skal I ringe et, et, to.", "Hvis han kaster op, skal I ringe 112."),
        ("Nummeret er fire fem seks syv.", "Nummeret er 4567."),
        ("Hun talte en, to, tre.", "Hun talte en, 2, 3."),  # counting: no number to dial
    ],
)
def test_spoken_numbers_times_and_doses_are_written_as_digits(spoken: str, written: str) -> None:
    assert clean_dictation([segment(0, spoken)]).text == written


def test_numbers_already_in_digits_are_left_alone() -> None:
    assert digits_for_numbers("kl. 11.00, 12. december, 4.000 kr. og 2,5 mg") == (
        "kl. 11.00, 12. december, 4.000 kr. og 2,5 mg"
    )


def test_each_sentence_keeps_its_segments_and_audio_span() -> None:
    result = clean_dictation(
        [
            segment(7, "Hun spiste godt.", at=10.0),
            segment(8, "Hun fik to panodiler", at=12.0),
            segment(9, "klokken elleve.", at=14.0),
        ]
    )
    assert [s.text for s in result.sentences] == [
        "Hun spiste godt.",
        "Hun fik 2 panodiler kl. 11.00.",
    ]
    first, second = result.sentences
    assert first.sources == (7,) and (first.start_s, first.end_s) == (10.0, 11.5)
    assert second.sources == (8, 9) and second.start_s == 12.0 and second.end_s == 15.0


def test_a_number_on_a_low_confidence_word_is_flagged_and_others_are_not() -> None:
    result = clean_dictation(
        [segment(0, "Hun fik to panodiler klokken elleve.", low=frozenset({"elleve"}))]
    )
    assert result.text == "Hun fik 2 panodiler kl. 11.00."
    assert [(u.kind, u.value, u.word) for u in result.uncertain] == [("time", "11.00", "elleve")]
    assert all(u.confidence < UNCERTAIN_WORD_BELOW for u in result.uncertain)
    # A low-confidence word that carries no number flags nothing.
    plain = clean_dictation([segment(0, "Hun fik to panodiler.", low=frozenset({"panodiler"}))])
    assert plain.uncertain == ()


def test_non_speech_segments_are_kept_out_of_the_text() -> None:
    noise = Segment(1, 0.0, 1.0, "Tak fordi du så med!", 0.4, flags=("possible_hallucination",))
    result = clean_dictation([segment(0, "Hun sov godt."), noise])
    assert result.text == "Hun sov godt."
    assert len(result.segments) == 2


def speech_pcm(seconds: float) -> bytes:
    rng = np.random.default_rng(1)
    samples = rng.uniform(-0.2, 0.2, int(seconds * 16_000))
    return (samples * 32767).astype("<i2").tobytes()


def scripted(text: str, probability: float = 0.95) -> FakeAsrEngine:
    words = tuple(
        EngineWord(i * 0.4, i * 0.4 + 0.3, " " + w, probability) for i, w in enumerate(text.split())
    )
    return FakeAsrEngine(
        [[EngineSegment(0.0, 0.4 * len(words), " " + text, -0.2, 0.01, 1.2, words)]]
    )


def test_the_job_transcribes_speech_only_keeps_segments_and_yields_stages() -> None:
    engine = scripted("øh to panodiler klokken elleve")
    kept: list[Segment] = []

    def keep(seg: Segment) -> Segment:
        stored = Segment(
            41, seg.start_s + 100, seg.end_s + 100, seg.text, seg.confidence, seg.words
        )
        kept.append(stored)
        return stored

    job = dictate_utterance(speech_pcm(2.0), engine, keep=keep)
    events = []
    while True:
        try:
            events.append(next(job))
        except StopIteration as done:
            result = done.value
            break
    assert [e.name for e in events if isinstance(e, Stage)] == [
        "dictation.transcribe",
        "dictation.clean",
    ]
    assert any(isinstance(e, Progress) for e in events)
    assert engine.calls == [(32_000, "da", True)]
    assert result.text == "2 panodiler kl. 11.00."
    assert result.sentences[0].sources == (41,) and result.sentences[0].start_s == 100.0
    assert len(kept) == 1


def test_the_draft_cites_dictated_sentences_and_flags_typed_ones() -> None:
    transcript = Transcript(
        "da", 4.0, "fake", (segment(0, "øh to panodiler klokken elleve", low=frozenset({"to"})),)
    )
    draft = dictation_draft("2 panodiler kl. 11.00.\nJeg skrev selv denne sætning.", transcript)
    assert draft.template_id == DICTATION_TEMPLATE
    every = [s for section in draft.sections for s in section.sentences]
    assert [s.text for s in every] == ["Jeg skrev selv denne sætning.", "2 panodiler kl. 11.00."]
    dictated, typed = every[1], every[0]
    assert dictated.sources == (0,)
    assert [f.kind for f in dictated.flags] == ["uncertain_word"]
    assert typed.sources == () and [f.kind for f in typed.flags] == ["no_source"]


def test_decimals_written_as_digits_are_what_the_verifier_reads_in_the_source() -> None:
    said = ("Temperaturen var otteogtredive komma fem.", "Blodsukkeret var tre komma en.")
    transcript = Transcript("da", 4.0, "fake", tuple(segment(i, t) for i, t in enumerate(said)))
    text = clean_dictation(transcript.segments).text
    assert text == "Temperaturen var 38,5. Blodsukkeret var 3,1."
    draft = dictation_draft(text, transcript)
    assert draft.flags == ()  # 38,5 is what was said, not an unsupported 38 and 5
    changed = dictation_draft("Temperaturen var 38,6.", transcript)
    assert [f.kind for f in changed.flags] == ["no_source"]
    wrong_value = DraftSentence("Den var 38,6.", (0,))
    cited = DraftSection("observation", "Observation", True, (wrong_value,))
    wrong = verify_draft(Draft(DICTATION_TEMPLATE, "structured", "none", (cited,)), transcript)
    assert [f.kind for f in wrong.flags] == ["unsupported_number"]


def test_dictated_sentences_go_into_the_section_their_words_belong_to() -> None:
    text = (
        "Fru Jensen havde ondt i venstre hofte.\nJeg gav hende 2 panodiler.\n"
        "Hun skal tilses i morgen af sygeplejersken.\nHun var glad."
    )
    draft = dictation_draft(text, None)
    placed = {s.section_id: [x.text for x in s.sentences] for s in draft.sections}
    assert placed == {
        "observation": ["Fru Jensen havde ondt i venstre hofte.", "Hun var glad."],
        "handling": ["Jeg gav hende 2 panodiler."],
        "opfoelgning": ["Hun skal tilses i morgen af sygeplejersken."],
    }
    assert all(s.generated for s in draft.sections)


def test_saving_makes_the_text_the_cases_draft(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data", make_keys())
    try:
        case_id = store.create_case(note_type=DICTATION_TEMPLATE)
        note = save_dictation_draft(store, case_id, "Hun spiste godt.")
        assert "Hun spiste godt." in note.text
        assert [f.kind for f in note.open_flags] == ["no_source"]
        stored = store.load_draft(case_id)
        assert stored is not None
    finally:
        store.close()


# ---- while the key is held: the recording's live transcription at DICTATION_LIVE --------------

BLOCK = 3_200  # 0.1 s of 16 kHz mono s16le, as a microphone block


class HoldEngine(FakeAsrEngine):
    """Scripted answers, loudness as voice activity, and what had been fed at each call."""

    def __init__(self, *texts: str) -> None:
        super().__init__([scripted(text)._script[0] for text in texts])
        self.fed_s = 0.0
        self.fed_at_call: list[float] = []

    def speech_detector(self, min_pause_s: float) -> SpeechDetector:
        return EnergySpeechDetector(min_pause_s)

    def transcribe(
        self, audio: Samples, language: str, *, speech_only: bool = True
    ) -> Iterator[EngineSegment]:
        self.fed_at_call.append(self.fed_s)
        return super().transcribe(audio, language, speech_only=speech_only)


def silence_pcm(seconds: float) -> bytes:
    return bytes(int(seconds * 32_000))


# No context, so the scripted word times (from 0) are the second chunk's own times.
NO_CONTEXT = replace(DICTATION_LIVE, context_s=0.0)


def held(engine: HoldEngine, *parts: bytes) -> tuple[RecordingResult, list[int]]:
    """Record `parts` as a microphone would deliver them while the key is held, waiting after
    each part (up to 5 s) for the recognition thread; returns the result and the number of
    recogniser calls made by the end of each part, before the release."""
    calls: list[int] = []

    def microphone() -> Iterator[bytes]:
        for pcm in parts:
            for start in range(0, len(pcm), BLOCK):
                yield pcm[start : start + BLOCK]
                engine.fed_s += BLOCK / 32_000
            deadline = time.monotonic() + 5.0
            while len(engine.calls) <= len(calls) and time.monotonic() < deadline:
                time.sleep(0.01)
            calls.append(len(engine.calls))

    session = RecordingSession(
        microphone(), live=lambda: LiveTranscriber(engine, settings=NO_CONTEXT)
    )
    return run(session.run()), calls


def test_speech_ended_by_a_pause_is_transcribed_during_the_hold_and_the_rest_at_release() -> None:
    engine = HoldEngine("Hun sov godt.", "Hun fik to panodiler.")
    result, calls = held(engine, speech_pcm(1.5) + silence_pcm(1.0), speech_pcm(1.0))
    # Still held: the first sentence was transcribed before the second was spoken.
    assert calls[0] == 1 and engine.fed_at_call[0] < 2.6
    assert calls[1] == 1  # no pause yet after the second sentence: it waits for the release
    assert len(engine.calls) == 2
    assert engine.calls[1][0] <= int(1.3 * 16_000)  # only the tail at release
    text = clean_dictation(result.segments)
    assert text.text == "Hun sov godt. Hun fik 2 panodiler."
    assert [s.segment_id for s in text.segments] == [0, 1]
    # Timestamps are the utterance's: the second sentence starts where it was spoken.
    assert text.sentences[1].start_s == pytest.approx(2.3, abs=0.3)


def test_a_long_run_without_a_pause_is_cut_during_the_hold() -> None:
    engine = HoldEngine("Første del.", "Anden del.")
    result, calls = held(engine, speech_pcm(DICTATION_LIVE.max_utterance_s + 1.0))
    assert calls == [1]  # cut at the quietest point, not at release
    assert clean_dictation(result.segments).text == "Første del. Anden del."


def test_audio_the_recogniser_crashed_on_twice_is_reported_not_a_silent_gap() -> None:
    class CrashingEngine(HoldEngine):
        def transcribe(
            self, audio: Samples, language: str, *, speech_only: bool = True
        ) -> Iterator[EngineSegment]:
            raise EngineCrashed("asr", "crashed", signal_name="SIGSEGV")

    result, _ = held(CrashingEngine(), speech_pcm(2.0))
    assert result.missed_s > 0 and result.interruptions  # the window shows it as an error


NUMBER_WORDS = frozenset(
    {
        "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve", "tolv",
        "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten", "tyve",
        "tredive", "fyrre", "halvtreds", "tres", "halvfjerds", "firs", "halvfems", "hundrede",
        "tusind", "halvanden", "komma",
    }
)  # fmt: skip


@pytest.mark.parametrize(
    "name", ["pn01_hjemmepleje", "pn02_plejecenter", "pn03_diktat_kort", "ho_pn04_diabetes"]
)
def test_every_number_of_a_dictated_care_note_comes_out_as_digits(name: str) -> None:
    path = Path(__file__).parents[1] / "bench" / "drafting_eval" / f"{name}.json"
    transcript = Transcript.from_dict(json.loads(path.read_text("utf-8")))
    text = clean_dictation(transcript.segments).text
    left = [w for w in re.findall(r"[a-zæøå]+", text.lower()) if w in NUMBER_WORDS]
    assert left == [], text
    assert re.search(r"\d", text)
