"""Failure classification, redaction of error text, timeouts, config, discovery."""

from __future__ import annotations

import shutil

import pytest

from hotline.errors import ConfigError, TransientError, UndecodableAudio
from hotline.settings import BatchSettings, load_settings
from hotline.worker.jobs import describe, is_permanent
from hotline.worker.queue import safe_url
from hotline.worker.recordings import discover, probe_duration


def test_permanent_versus_transient():
    import psycopg
    import redis
    from rq.timeouts import JobTimeoutException

    assert is_permanent(UndecodableAudio("x.wav: not audio"))
    assert is_permanent(ValueError("a bug that fails on this input fails again"))
    for exc in (TransientError("blip"), MemoryError(), ConnectionResetError(),
                redis.exceptions.ConnectionError("gone"), psycopg.OperationalError("down"),
                JobTimeoutException("took too long")):
        assert not is_permanent(exc), exc


def test_error_text_is_redacted_and_bounded():
    text = describe(RuntimeError("card 4111 1111 1111 1111 failed for 13812345678\n" + "x" * 5000))
    assert "4111" not in text and "13812345678" not in text
    assert "\n" not in text and len(text) <= 1000
    assert describe(UndecodableAudio("a.wav: not audio")) == "undecodable: a.wav: not audio"


def test_timeout_scales_with_duration_and_config_is_validated():
    cfg = BatchSettings(timeout_base_s=120, timeout_per_audio_s=2.0)
    assert cfg.job_timeout(None) == 120 and cfg.job_timeout(3600) == 120 + 7200
    assert BatchSettings(backoff_s=(5, 30)).backoff(1) == 5
    assert BatchSettings(backoff_s=(5, 30)).backoff(9) == 30
    with pytest.raises(ConfigError, match="HOTLINE_BATCH_LEASE_S"):
        load_settings({"HOTLINE_BATCH_HEARTBEAT_S": "10", "HOTLINE_BATCH_LEASE_S": "15"})
    with pytest.raises(ConfigError, match="HOTLINE_BATCH_LEASE_S='soon'"):
        load_settings({"HOTLINE_BATCH_LEASE_S": "soon"})
    assert load_settings({"HOTLINE_BATCH_BACKOFF_S": "1,2,3"}).batch.backoff_s == (1, 2, 3)
    assert load_settings({"HOTLINE_BATCH_EMBED_CALLS": "0"}).batch.embed_calls is False
    assert load_settings({}).batch.embed_calls is True
    with pytest.raises(ConfigError, match="HOTLINE_BATCH_EMBED_CALLS='maybe'"):
        load_settings({"HOTLINE_BATCH_EMBED_CALLS": "maybe"})
    with pytest.raises(ConfigError, match="HOTLINE_NUM_SPEAKERS='two'"):
        load_settings({"HOTLINE_NUM_SPEAKERS": "two"})
    with pytest.raises(ConfigError, match="HOTLINE_ASR_DEVICE"):
        load_settings({"HOTLINE_ASR_DEVICE": "tpu"})


def test_safe_url_hides_passwords():
    assert safe_url("rediss://:pw@h:6380/0") == "rediss://:***@h:6380/0"
    assert safe_url("redis://u:pw@h/0") == "redis://u:***@h/0"
    assert safe_url("redis://h:6379/0") == "redis://h:6379/0"


def test_discover_walks_recursively_and_dedupes_identical_bytes(data_dir, tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(data_dir / "jfk.flac", tmp_path / "a" / "jfk.flac")
    shutil.copy(data_dir / "jfk.flac", tmp_path / "a" / "b" / "copy.FLAC")  # same bytes
    shutil.copy(data_dir / "hotwords.mp3", tmp_path / "a" / "b" / "hot.mp3")
    (tmp_path / "a" / "notes.txt").write_text("not audio")
    found = discover(str(tmp_path))
    # sorted by path; of the identical pair the first one walked (a/jfk.flac) is kept
    assert [r.path.rsplit("/", 1)[-1] for r in found] == ["hot.mp3", "jfk.flac"]
    assert len({r.call_id for r in found}) == 2
    jfk = next(r for r in found if r.path.endswith("jfk.flac"))
    assert jfk.duration == pytest.approx(11.0, abs=0.1)
    assert probe_duration(str(tmp_path / "a" / "notes.txt")) is None


def test_failure_reasons_keep_the_errno_and_mask_only_file_names():
    """Issue 10 finding 9: the errno and the system message are never fed to the redactor."""
    from hotline.worker.jobs import describe

    reason = describe(FileNotFoundError(2, "No such file or directory",
                                        "/data/calls/13800138000 4111 1111 1111 1111.wav"))
    assert reason.startswith("FileNotFoundError: [Errno 2] No such file or directory: ")
    assert "4111" not in reason and "[CARD]" in reason
    assert describe(OSError(28, "No space left on device")) == \
        "OSError: [Errno 28] No space left on device"
