"""Who spoke when: stereo channel split, embedded mono diarizer, pyannote backend, roles."""

from hotline.diarization.loader import load_diarizer
from hotline.diarization.roles import assign_roles, cue_scores
from hotline.diarization.stereo import channel_speakers, channel_turns, diarize_stereo, is_dual_mono
from hotline.diarization.turns import join_words, speech_turns, words_to_turns
from hotline.diarization.types import (
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
    "speech_turns",
    "words_to_turns",
]
