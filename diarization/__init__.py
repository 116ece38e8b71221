"""Who spoke when: stereo channel split, embedded mono diarizer, pyannote backend, roles."""
