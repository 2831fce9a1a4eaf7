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
BASELINE: tuple[str, ...] = ("avx", "avx2", "fma", "f16c", "bmi2")
# Shown by `assist doctor`: what the engines could use, and what the portable build leaves out.
REPORTED: tuple[str, ...] = (
    "sse4_2", "avx", "avx2", "fma", "f16c", "bmi2", "avx512f", "avx512_vnni", "amx_tile",
    "amx_int8",
)  # fmt: skip

CPU_BELOW_BASELINE = Msg(
    "engine.cpu_below_baseline",
    da="Processoren mangler {missing}, som sprogmodellen i Assist er bygget til (kræver AVX2, "
    "FMA, F16C og BMI2: Intel Core fra 2013 (Haswell) eller AMD fra 2015 og nyere). Sprogmodellen "
    "bruges ikke på denne pc; udkast laves ved struktureret udtræk.",
    en="The processor lacks {missing}, which Assist's language model is built for (needs AVX2, "
    "FMA, F16C and BMI2: Intel Core from 2013 (Haswell) or AMD from 2015 on). The language "
    "model is not used on this PC; drafts are made by structured extraction.",
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


@dataclass(frozen=True)
class LlamaBuildInfo:
    """What the installed llama.cpp library was compiled to use (its own system info)."""

    features: frozenset[str]  # lower-case, e.g. {"avx2", "fma", "openmp"}

    @classmethod
    def parse(cls, system_info: str) -> LlamaBuildInfo:
        """From 'CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 0 | ...'."""
        found: set[str] = set()
        for part in system_info.replace("CPU :", "|").split("|"):
            name, _, value = part.partition("=")
            if value.strip() == "1":
                found.add(name.strip().lower())
        return cls(frozenset(found))

    @property
    def beyond_baseline(self) -> tuple[str, ...]:
        """Instruction sets the library uses that the baseline does not promise (must be none)."""
        allowed = {*BASELINE, "sse3", "ssse3", "sse4_1", "sse4_2"}
        return tuple(
            sorted(f for f in self.features if f.startswith(_ISA_PREFIXES) and f not in allowed)
        )


_ISA_PREFIXES = ("sse", "avx", "fma", "f16c", "bmi", "amx", "vnni", "vbmi", "bf16")
