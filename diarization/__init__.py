"""Who spoke when: stereo channel split, embedded mono diarizer, pyannote backend, roles."""

from diarization.loader import load_diarizer
from diarization.roles import assign_roles, cue_scores
from diarization.stereo import channel_speakers, channel_turns, diarize_stereo, is_dual_mono
from diarization.turns import join_words, words_to_turns
from diarization.types import (
    DUAL_MONO_CORRELATION,
    TURN_SPLIT_GAP_S,
    Diarization,
    Diarizer,
    SpeakerSegment,
)

__all__ = [
    "DUAL_MONO_CORRELATION",
    "TURN_SPLIT_GAP_S",
    "Diarization",
    "Diarizer",
    "SpeakerSegment",
    "assign_roles",
    "channel_speakers",
    "channel_turns",
    "cue_scores",
    "diarize_stereo",
    "is_dual_mono",
    "join_words",
    "load_diarizer",
    "words_to_turns",
]
