"""Every kind of bad profile gets one clear line naming file and field, and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from profile_helpers import VALID, replace, run, write

from tenscontrol.errors import ProfileError
from tenscontrol.profiles.loader import load_file

# (case id, profile text, field path expected in the message, words expected in the message)
CASES: list[tuple[str, str, str, str]] = [
    (
        "string-for-number",
        replace("rate_hz = 100", 'rate_hz = "100"'),
        "phases[0].rate_hz",
        "must be a number",
    ),
    (
        "bool-for-int",
        replace("phase_width_us = 200", "phase_width_us = true"),
        "phases[0].phase_width_us",
        "must be a whole number",
    ),
    (
        "float-for-int",
        replace("duration_min = 30", "duration_min = 30.5"),
        "duration_min",
        "must be a whole number",
    ),
    (
        "table-for-text",
        replace('title = "Test profile"', "title = { a = 1 }"),
        "title",
        "must be text",
    ),
    ("unknown-top-key", 'colour = "red"\n' + VALID, "colour", "unknown key"),
    (
        "unknown-phase-key",
        replace('pattern = "continuous"', 'pattern = "continuous"\nfreq = 3'),
        "phases[0].freq",
        "unknown key",
    ),
    ("missing-key", replace('title = "Test profile"\n', ""), "title", "required key is missing"),
    (
        "negative-ceiling",
        replace("ceiling_ma = 50", "ceiling_ma = -5"),
        "channels[0].ceiling_ma",
        "must be between 0.001 and 80 mA",
    ),
    (
        "zero-ceiling",
        replace("ceiling_ma = 50", "ceiling_ma = 0"),
        "channels[0].ceiling_ma",
        "must be between",
    ),
    (
        "huge-width",
        replace("phase_width_us = 200", "phase_width_us = 9223372036854775807"),
        "phases[0].phase_width_us",
        "must be between 50 and 300 us",
    ),
    (
        "huge-rate",
        replace("rate_hz = 100", "rate_hz = 1e308"),
        "phases[0].rate_hz",
        "must be between 1 and 150 Hz",
    ),
    (
        "rate-too-high",
        replace("rate_hz = 100", "rate_hz = 150.001"),
        "phases[0].rate_hz",
        "must be between 1 and 150 Hz",
    ),
    (
        "too-many-decimals",
        replace("rate_hz = 100", "rate_hz = 100.0001"),
        "phases[0].rate_hz",
        "resolution of 0.001 Hz",
    ),
    ("nan-rate", replace("rate_hz = 100", "rate_hz = nan"), "phases[0].rate_hz", "finite number"),
    (
        "inf-ceiling",
        replace("ceiling_ma = 50", "ceiling_ma = inf"),
        "channels[0].ceiling_ma",
        "finite number",
    ),
    (
        "minus-inf-pad",
        replace("pad_area_cm2 = 25", "pad_area_cm2 = -inf"),
        "channels[0].pad_area_cm2",
        "finite number",
    ),
    (
        "session-over-60-min",
        replace("duration_min = 30", "duration_min = 61"),
        "duration_min",
        "must be between 1 and 60 min",
    ),
    (
        "phase-over-60-min",
        replace("duration_s = 1800", "duration_s = 3601"),
        "phases[0].duration_s",
        "must be between 0.1 and 3600 s",
    ),
    (
        "monophasic",
        replace('waveform = "symmetric_biphasic"', 'waveform = "monophasic"'),
        "phases[0].waveform",
        "monophasic waveforms are refused",
    ),
    (
        "unknown-waveform",
        replace('waveform = "symmetric_biphasic"', 'waveform = "square"'),
        "phases[0].waveform",
        "symmetric_biphasic",
    ),
    (
        "pad-below-minimum",
        replace("pad_area_cm2 = 25", "pad_area_cm2 = 2.84"),
        "channels[0].pad_area_cm2",
        "must be between 2.85 and 200 cm2",
    ),
    (
        "phases-do-not-add-up",
        replace("duration_s = 1800", "duration_s = 1700"),
        "phases",
        "add up to 1700 s",
    ),
    (
        "cycle-does-not-divide",
        replace("duration_s = 1800", "duration_s = 7").replace(
            "channel_count = 1", "channel_count = 1\nrepeat_phases = true"
        ),
        "phases",
        "does not divide",
    ),
    (
        "channel-count-not-described",
        replace("channel_count = 1", "channel_count = 2"),
        "channels",
        "channel_count = 2 but the profile describes 1",
    ),
    (
        "channel-count-three",
        replace("channel_count = 1", "channel_count = 3"),
        "channel_count",
        "must be between 1 and 2",
    ),
    (
        "no-channels",
        VALID[: VALID.index("[[channels]]")] + VALID[VALID.index("[[phases]]") :],
        "channels",
        "required key is missing",
    ),
    (
        "name-with-slash",
        replace('name = "test-profile"', 'name = "../etc/passwd"'),
        "name",
        "must not contain path separators",
    ),
    ("name-dotdot", replace('name = "test-profile"', 'name = ".."'), "name", "'..'"),
    (
        "name-backslash",
        replace('name = "test-profile"', 'name = "a\\\\b"'),
        "name",
        "path separators",
    ),
    (
        "name-uppercase",
        replace('name = "test-profile"', 'name = "Low Back"'),
        "name",
        "lowercase letters",
    ),
    (
        "soft-start-too-short",
        replace("soft_start_s = 10", "soft_start_s = 4"),
        "soft_start_s",
        "must be between 5 and 300 s",
    ),
    (
        "burst-without-params",
        replace('pattern = "continuous"', 'pattern = "burst"'),
        "phases[0]",
        "needs burst_rate_hz and pulses_per_burst",
    ),
    (
        "burst-params-on-continuous",
        replace('pattern = "continuous"', 'pattern = "continuous"\nburst_rate_hz = 2'),
        "phases[0]",
        "takes no burst_rate_hz",
    ),
    (
        "burst-does-not-fit",
        replace(
            'pattern = "continuous"', 'pattern = "burst"\nburst_rate_hz = 5\npulses_per_burst = 15'
        ).replace("rate_hz = 100", "rate_hz = 70"),
        "phases[0]",
        "burst trains do not fit",
    ),
    (
        "amplitude-dip-over-100",
        VALID + "modulation = { kind = 'amplitude', dip_percent = 150, period_s = 4 }\n",
        "phases[0].modulation.dip_percent",
        "must be between 1 and 100 %",
    ),
    (
        "modulation-wrong-key",
        VALID + "modulation = { kind = 'rate', width_to_us = 100, period_s = 4 }\n",
        "phases[0].modulation",
        "needs 'rate_to_hz'",
    ),
    (
        "sd-narrowing",
        VALID + "modulation = { kind = 'strength_duration', width_to_us = 100, period_s = 4 }\n",
        "phases[0]",
        "needs width_to_us above phase_width_us",
    ),
    (
        "ceiling-over-hard-limit",
        replace("ceiling_ma = 50", "ceiling_ma = 80.001"),
        "channels[0].ceiling_ma",
        "must be between 0.001 and 80 mA",
    ),
]


@pytest.mark.parametrize(
    ("text", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_profile_is_one_clear_line_and_exit_2(
    tmp_path: Path, text: str, field: str, words: str
) -> None:
    path = write(tmp_path, text)
    result = run("profile", "check", str(path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line.strip() for line in result.stderr.splitlines() if str(path) in line]
    matching = [line for line in lines if f"{path}: {field}" in line and words in line]
    assert matching, result.stderr
    assert result.stdout == ""


def test_error_lines_name_file_field_and_problem(tmp_path: Path) -> None:
    path = write(tmp_path, replace("rate_hz = 100", "rate_hz = 400"))
    with pytest.raises(ProfileError) as caught:
        load_file(path)
    assert caught.value.problems == [
        f"{path}: phases[0].rate_hz: must be between 1 and 150 Hz (got 400)"
    ]


def test_several_problems_one_line_each(tmp_path: Path) -> None:
    text = replace("rate_hz = 100", "rate_hz = nan").replace("ceiling_ma = 50", "ceiling_ma = -1")
    path = write(tmp_path, text + "extra = 1\n")
    result = run("profile", "check", str(path))
    assert result.exit_code == 2
    assert "3 problems" in result.stderr
    problem_lines = [ln for ln in result.stderr.splitlines() if ln.startswith(f"  {path}: ")]
    assert len(problem_lines) == 3


def test_non_utf8_file(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("Test profile", "Test profil\xe9").encode("latin-1"))
    result = run("profile", "check", str(path))
    assert result.exit_code == 2
    assert f"{path}: not UTF-8 text" in result.stderr
    assert "Traceback" not in result.output


def test_binary_file(tmp_path: Path) -> None:
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = run("profile", "check", str(path))
    assert result.exit_code == 2
    assert f"{path}: binary file" in result.stderr


def test_ten_megabyte_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    with path.open("wb") as handle:  # sparse: 10 MB without writing 10 MB
        handle.truncate(10 * 1024 * 1024)
    result = run("profile", "check", str(path))
    assert result.exit_code == 2
    assert f"{path}: file is 10,485,760 bytes; profiles may be at most 1 MB" in result.stderr


def test_just_over_one_megabyte_of_text(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "#" * 1_000_001)
    result = run("profile", "check", str(path))
    assert result.exit_code == 2
    assert "at most 1 MB" in result.stderr


def test_not_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "name = \n[[[")
    result = run("profile", "check", str(path))
    assert result.exit_code == 2
    assert f"{path}: not valid TOML" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = run("profile", "check", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_fixture_files_in_tests_data() -> None:
    from profile_helpers import DATA

    result = run("profile", "check", str(DATA / "monophasic.toml"))
    assert result.exit_code == 2
    assert "phases[0].waveform: monophasic waveforms are refused" in result.stderr
