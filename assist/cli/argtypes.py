"""Option values checked where they are parsed: argparse `type=` functions that raise AssistError.

`assist.cli.main` shows an AssistError from parsing as one line in the user's language with exit
code 2 (argparse's own errors are English only), so a bad value never travels on to fail later
with a less clear message, or not at all (`--block-ms 0`, `--now ''`, `--note-type nosuch`).

    parser.add_argument("--block-ms", type=block_ms, default=100)
    parser.add_argument("--now", type=iso_time)            # None when not given
    parser.add_argument("--note-type", type=note_type, default="")
    parser.add_argument("--at", type=recording_time)       # "65", "01:05", "1:02:03"
    parser.add_argument("--title", type=case_title, required=True)

argparse also runs `type` on a string default, so `case_title` needs `required=True` (or
`default=None`): an empty title is exactly what it refuses.
"""

from __future__ import annotations

from datetime import UTC, datetime

from assist.errors import EXIT_USAGE, AssistError, Msg

BLOCK_MS_RANGE = (10, 2000)
MAX_TITLE_CHARS = 200

BAD_BLOCK_MS = Msg(
    "cli.bad_block_ms",
    da="--block-ms '{value}' er ikke et antal millisekunder fra {low} til {high}.",
    en="--block-ms '{value}' is not a number of milliseconds from {low} to {high}.",
    exit_code=EXIT_USAGE,
)
BAD_TIME = Msg(
    "cli.bad_time",
    da="'{value}' er ikke et tidspunkt i ISO 8601 (fx 2026-12-01T09:00:00+01:00).",
    en="'{value}' is not an ISO 8601 time (e.g. 2026-12-01T09:00:00+01:00).",
    exit_code=EXIT_USAGE,
)
EMPTY_TITLE = Msg(
    "cli.empty_title",
    da='Sagen skal have en titel (fx journalnummeret): --title "J.nr. ...".',
    en='The case needs a title (e.g. its file number): --title "J.nr. ...".',
    exit_code=EXIT_USAGE,
)
BAD_RECORDING_TIME = Msg(
    "cli.bad_recording_time",
    da="'{value}' er ikke et tidspunkt i optagelsen: skriv sekunder (65) eller mm:ss (01:05).",
    en="'{value}' is not a time in the recording: give seconds (65) or mm:ss (01:05).",
    exit_code=EXIT_USAGE,
)
TITLE_TOO_LONG = Msg(
    "cli.title_too_long",
    da="Titlen er for lang ({length} tegn); højst {limit}.",
    en="The title is too long ({length} characters); at most {limit}.",
    exit_code=EXIT_USAGE,
)


def block_ms(value: str) -> int:
    """Milliseconds per audio block: an integer from 10 to 2000."""
    low, high = BLOCK_MS_RANGE
    try:
        number = int(value.strip())
    except ValueError:
        raise AssistError(BAD_BLOCK_MS, value=value, low=low, high=high) from None
    if not low <= number <= high:
        raise AssistError(BAD_BLOCK_MS, value=value, low=low, high=high)
    return number


def iso_time(value: str) -> datetime:
    """An ISO 8601 time; without a zone it is UTC. An empty value is refused, never "now"."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise AssistError(BAD_TIME, value=value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def recording_time(value: str) -> float:
    """A time in a recording: seconds ("65", "65.5"), "mm:ss" or "h:mm:ss"."""
    parts = value.strip().split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise AssistError(BAD_RECORDING_TIME, value=value) from None
    fine = len(numbers) <= 3 and all(n >= 0 for n in numbers) and all(n < 60 for n in numbers[1:])
    if not fine or any(n != n for n in numbers):  # n != n: NaN
        raise AssistError(BAD_RECORDING_TIME, value=value)
    seconds = 0.0
    for number in numbers:
        seconds = seconds * 60 + number
    return seconds


def note_type(value: str) -> str:
    """A template id that exists (built-in or in ASSIST_TEMPLATE_DIR); "" for none yet."""
    from assist.drafting.templates import configured_template_dir, get_template

    value = value.strip()
    if value:
        get_template(value, configured_template_dir())  # AssistError "templates.unknown"
    return value


def case_title(value: str) -> str:
    """A case title: not empty, at most MAX_TITLE_CHARS, only what the exports can carry."""
    from assist.textcheck import check_case_fields

    title = value.strip()
    if not title:
        raise AssistError(EMPTY_TITLE)
    if len(title) > MAX_TITLE_CHARS:
        raise AssistError(TITLE_TOO_LONG, length=len(title), limit=MAX_TITLE_CHARS)
    check_case_fields(title=title)
    return title
