"""Speech recognition: batch (`transcribe`), live (`LiveTranscriber`), and the engine boundary.

engine.py      AsrEngine protocol, raw engine values, FakeAsrEngine for tests
whisper_engine faster-whisper behind that protocol (local files only, CPU, int8)
guards.py      hallucination guards and confidences
transcribe.py  batch transcription as a cancellable generator of Progress and Segment
live.py        live transcription: VAD-chunked utterances, committed as they end
session.py     the recording loop: sinks + live transcription on its own thread
model.py       which model directory to load (via the model store)
normalize.py   Danish text normalisation for word error rate
"""
