"""The portable llama.cpp build: one place for its flags, the built library within the baseline,
and a clear message (never SIGILL) on a CPU below it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assist.engines import cpu
from assist.engines.cpu import CpuReport, LlamaBuildInfo, detect, require_baseline
from assist.errors import AssistError

REPO = Path(__file__).resolve().parents[1]
BUILD_ENV = REPO / "packaging" / "llama-cpp.env"


def _build_env() -> dict[str, str]:
    lines = BUILD_ENV.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_the_flags_live_in_one_file_that_the_makefile_reads() -> None:
    env = _build_env()
    flags = env["LLAMA_CPP_CMAKE_ARGS"].split()
    assert "-DGGML_NATIVE=OFF" in flags
    for kernel in ("AMX_TILE", "AMX_INT8", "AMX_BF16", "AVX512"):
        assert f"-DGGML_{kernel}=OFF" in flags
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "include packaging/llama-cpp.env" in makefile
    assert "-DGGML" not in makefile  # no second copy of the flags
    # The wheel folder is named by a hash of version and flags, so pip's cache cannot
    # hand back a wheel built with other flags.
    assert re.search(r"LLAMA_KEY := .*LLAMA_CPP_VERSION.*LLAMA_CPP_CMAKE_ARGS.*sha256sum", makefile)
    assert "--no-cache-dir" in makefile and "$(LLAMA_WHEELS)" in makefile


def test_the_version_and_the_baseline_agree_everywhere() -> None:
    env = _build_env()
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"llama-cpp-python=={env["LLAMA_CPP_VERSION"]}"' in pyproject
    assert tuple(env["LLAMA_CPU_BASELINE"].split()) == cpu.BASELINE


def test_the_installed_library_uses_nothing_beyond_the_baseline() -> None:
    from assist.engines.llm_worker import llama_build_info

    build = llama_build_info()
    assert build.beyond_baseline == ()  # no AVX-512, no AMX: runs on every supported CPU
    assert set(cpu.BASELINE) <= build.features


def test_build_info_parsing() -> None:
    info = LlamaBuildInfo.parse(
        "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 0 | AMX_INT8 = 1 | OPENMP = 1 | "
    )
    assert info.features == {"sse3", "avx", "avx2", "amx_int8", "openmp"}
    assert info.beyond_baseline == ("amx_int8",)


def _cpuinfo(tmp_path: Path, flags: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: Old CPU\nflags\t\t: {flags}\n\n", "utf-8")
    return path


def test_a_cpu_below_the_baseline_gets_a_clear_message(tmp_path: Path) -> None:
    old = _cpuinfo(tmp_path, "fpu sse sse2 sse4_1 sse4_2 avx")
    report = detect(old)
    assert report.model == "Old CPU" and report.missing == ("avx2", "fma", "f16c", "bmi2")
    with pytest.raises(AssistError) as refused:
        require_baseline(lambda: report)
    assert refused.value.code == "engine.cpu_below_baseline"
    assert "AVX2, FMA, F16C, BMI2" in refused.value.message("da")
    assert "Haswell" in refused.value.message("en")
    assert report.as_json()["llm_supported"] is False


def test_a_supported_cpu_and_an_unreadable_one_pass(tmp_path: Path) -> None:
    modern = detect(_cpuinfo(tmp_path, "sse4_2 avx avx2 fma f16c bmi2 avx512f"))
    require_baseline(lambda: modern)
    unknown = CpuReport("?", frozenset(), known=False)
    require_baseline(lambda: unknown)  # nothing to judge by: llama.cpp is tried (in a worker)
    assert modern.as_json()["features"]["avx512f"] is True


def test_doctor_json_shows_the_cpu_and_what_llama_cpp_uses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from assist.cli import main

    main(["doctor", "--json"])
    report = json.loads(capsys.readouterr().out)["cpu"]
    assert report["baseline"] == list(cpu.BASELINE)
    assert report["llama_cpp_build"]["beyond_baseline"] == []
    assert set(report["features"]) >= {"avx2", "avx512f", "amx_int8"}
