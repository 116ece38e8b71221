"""Find a day's recordings: content hash (the call id) and a cheap duration probe per file."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass

from hotline import defaults
from hotline.errors import HotlineError

log = logging.getLogger(__name__)

# Lowest bitrate we expect (AMR-NB at 4.75 kbit/s) -> upper bound on seconds when probes fail.
MIN_BYTES_PER_S = 4750 / 8


@dataclass(frozen=True)
class Recording:
    path: str
    call_id: str
    duration: float | None  # seconds from the header; None when no probe could tell


def discover(root: str, extensions: tuple[str, ...] = defaults.AUDIO_EXTENSIONS) -> list[Recording]:
    """Every recording under `root` (recursively), sorted by path; identical bytes once."""
    from hotline.audio import content_id

    if not os.path.isdir(root):
        raise HotlineError(f"{root}: not a directory")
    seen: dict[str, Recording] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or not name.lower().endswith(extensions):
                continue
            path = os.path.abspath(os.path.join(folder, name))
            try:
                call_id = content_id(path)
            except (OSError, HotlineError) as exc:
                log.warning("skipping unreadable %s: %s", path, exc)
                continue
            if call_id in seen:
                log.info("%s has the same bytes as %s; processed once", path, seen[call_id].path)
                continue
            seen[call_id] = Recording(path, call_id, probe_duration(path))
    return sorted(seen.values(), key=lambda r: r.path)


def probe_duration(path: str) -> float | None:
    """Seconds of audio from the header only (libsndfile, then ffprobe); None if unknown."""
    try:
        import soundfile

        info = soundfile.info(path)
        if info.frames > 0 and info.samplerate > 0:
            return info.frames / info.samplerate
    except Exception:  # not a format libsndfile knows (m4a, amr) or a corrupt header
        pass
    ffprobe = shutil.which("ffprobe")
    if ffprobe:
        try:
            out = subprocess.run(
                [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
                capture_output=True, text=True, timeout=10, check=False,
            ).stdout.strip()
            return float(out) if out and out != "N/A" else None
        except (OSError, ValueError, subprocess.TimeoutExpired):
            return None
    return None


def timeout_duration(rec: Recording) -> float:
    """Duration used for the job timeout: the probe, else a size-based upper bound."""
    if rec.duration is not None:
        return rec.duration
    try:
        return os.path.getsize(rec.path) / MIN_BYTES_PER_S
    except OSError:
        return 0.0
