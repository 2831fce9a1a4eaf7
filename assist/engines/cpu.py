"""The CPU features the engines are built for, and whether this CPU has them.

llama-cpp-python is compiled without native flags for a fixed baseline (packaging/llama-cpp.env,
which a test keeps in step with `BASELINE`). A CPU below it would die with SIGILL inside
llama.cpp, so Assist checks first and says so clearly instead. CTranslate2 chooses its kernels at
run time and needs no check.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assist.errors import AssistError, Msg

# Keep in step with LLAMA_CPU_BASELINE in packaging/llama-cpp.env.
BASELINE: tuple[str, ...] = ("avx", "avx2", "fma", "f16c")
# Shown by `assist doctor`: what the engines could use, and what the portable build leaves out.
REPORTED: tuple[str, ...] = (
    "sse4_2", "avx", "avx2", "fma", "f16c", "bmi2", "avx512f", "avx512_vnni", "amx_tile",
    "amx_int8",
)  # fmt: skip

CPU_BELOW_BASELINE = Msg(
    "engine.cpu_below_baseline",
    da="Processoren mangler {missing}, som sprogmodellen i Assist er bygget til (kræver AVX2, "
    "FMA og F16C: Intel fra 2013 (Haswell) eller AMD fra 2015 og nyere). Udkast laves ved "
    "struktureret udtræk i stedet.",
    en="The processor lacks {missing}, which Assist's language model is built for (needs AVX2, "
    "FMA and F16C: Intel from 2013 (Haswell) or AMD from 2015 on). Drafts are made by "
    "structured extraction instead.",
)


@dataclass(frozen=True)
class CpuReport:
    model: str
    features: frozenset[str]  # lower-case flag names as Linux spells them
    known: bool  # False when the features could not be read (then nothing is refused)

    @property
    def missing(self) -> tuple[str, ...]:
        if not self.known:
            return ()
        return tuple(flag for flag in BASELINE if flag not in self.features)

    def as_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "features_known": self.known,
            "features": {flag: flag in self.features for flag in REPORTED} if self.known else {},
            "baseline": list(BASELINE),
            "missing_for_llm": list(self.missing),
            "llm_supported": not self.missing,
        }


def _linux_report(cpuinfo: Path) -> CpuReport:
    model, flags = "", ""
    for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and not model:
            model = value.strip()
        elif key == "flags" and not flags:
            flags = value
    return CpuReport(model or platform.processor(), frozenset(flags.split()), bool(flags))


def _cpuinfo_report() -> CpuReport:
    try:
        import cpuinfo  # py-cpuinfo: CPUID on Windows and macOS
    except ImportError:
        return CpuReport(platform.processor(), frozenset(), False)
    info = cpuinfo.get_cpu_info()
    flags = frozenset(str(f).lower() for f in info.get("flags", ()))
    return CpuReport(str(info.get("brand_raw", platform.processor())), flags, bool(flags))


def detect(cpuinfo: Path = Path("/proc/cpuinfo")) -> CpuReport:
    if cpuinfo.is_file():
        return _linux_report(cpuinfo)
    return _cpuinfo_report()


def require_baseline(report: Callable[[], CpuReport] = detect) -> None:
    """Raise a clear AssistError on a CPU the portable llama.cpp build cannot run on."""
    missing = report().missing
    if missing:
        raise AssistError(CPU_BELOW_BASELINE, missing=", ".join(m.upper() for m in missing))
