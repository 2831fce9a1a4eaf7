"""Native engines (llama.cpp, CTranslate2) run in worker processes, never in Assist's own.

A crash, abort, hang or memory exhaustion in native code ends the worker, not the app: the
parent turns it into one clear message and starts a fresh worker for the next job. Parent-side
engines (`WorkerLlmEngine`, `WorkerAsrEngine`) implement the same protocols as the in-process
ones, so callers do not change. `cpu` says which CPU features the portable build needs.
"""
