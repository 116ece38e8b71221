"""The embedded mono diarizer: silero VAD + resemblyzer d-vectors + spectral clustering + Viterbi.

Why this shape (the naive "one embedding per 1.5 s window" gave DER 19 % on ami_sample):
- the mel spectrogram is computed once for the whole call and only speech frames are kept
  (VAD runs edge-trimmed by energy), so no compute is spent on silence;
- d-vectors come from dense sliding windows (1.6 s, hop 0.3 s) over the speech frames, in
  batches, on all cores (the pipeline runs stages one after another);
- windows are clustered spectrally (pruned cosine affinity): overlapping windows make plain
  k-means/agglomerative follow time; when the count is 0 it is estimated by accepting further
  splits only while all centroids stay apart, and a short speaker that sounds like another is
  folded into it (one voice is not split in two);
- every 10 ms speech frame gets a per-speaker score = Hann-weighted mean similarity of the
  windows covering it, and a Viterbi pass with a switch penalty (cheap at pauses) picks the
  speaker sequence, so a change inside one VAD region is found;
- a second pass (diarization/reseg.py) adds per-speaker MFCC Gaussians, trained on the frames
  the first pass is surest of, to the scores and runs the Viterbi again: a 1.6 s d-vector cannot
  place a change closer than ~1 s, a 10 ms cepstrum can;
- changes near a pause move to the pause; given ASR words, into the widest nearby word gap.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from hotline import defaults
from hotline.audio import as_mono
from hotline.diarization.overlap import (
    FrameAnalysis,
    OverlapModel,
    OverlapParams,
    detect_overlaps,
    load_model,
)
from hotline.diarization.reseg import ResegParams, resegment_scores
from hotline.diarization.types import Diarization, SpeakerSegment
from hotline.diarization.vad import VAD_FRAME, load_vad_model, speech_mask, speech_probabilities
from hotline.document import Word

SAMPLE_RATE = 16_000
MEL_HOP = 160            # resemblyzer: 10 ms mel frames
MAX_CLUSTER_WINDOWS = 900  # above this, spectral clustering runs on a subset
MIN_SPEAKER_WINDOWS = 3    # an estimated speaker owns at least this many windows (~1.2 s)


@dataclass(frozen=True)
class EmbeddedParams:
    """Tunables of the embedded diarizer (defaults measured on ami_sample + synthetic calls)."""

    vad_onset: float = 0.5
    vad_offset: float = 0.2
    vad_min_gap_s: float = 0.3
    vad_min_speech_s: float = 0.15
    vad_pad_s: float = 0.1
    window_frames: int = 160          # 1.6 s windows (resemblyzer's partial utterance)
    hop_frames: int = 30              # 0.3 s between windows
    switch_penalty: float = 8.0       # Viterbi cost of a speaker change (in score units)
    temperature: float = 0.02         # similarity -> log-likelihood scale
    max_speakers: int = 6             # upper bound when estimating the count
    same_speaker_cos: float = 0.92    # centroids closer than this are one voice: merged
    split_max_cos: float = defaults.DIAR_SPLIT_MAX_COS     # see hotline/defaults.py
    short_speaker_s: float = defaults.DIAR_SHORT_SPEAKER_S
    short_same_cos: float = defaults.DIAR_SHORT_SAME_COS
    prune: float = 0.3                # spectral affinity: each window keeps its top 30 %
    snap_window_s: float = 0.3        # move a change to a word pause within this distance
    cross_gaps: bool = True           # windows may span pauses (False measured worse on AMI)
    gap_switch_penalty: float = 1.0   # cost of a change at a pause
    trim_db: float = 40.0             # cut run edges quieter than the run's loud frames - this
    focus: float = 0.5                # where in a window its d-vector is credited (centre)
    pause_snap_frames: int = 40       # move a change to a pause within 0.4 s
    # A change up to this far BEFORE a pause moves to it: windows spanning the pause pull the
    # next voice early onto the last words of a turn (synthetic en_angry_002: DER 5.6 % -> 1.8 %,
    # en_clean_001 3.1 % -> 0.9 %; ami_sample unchanged at 18.8 %; 0.6 s both ways hurt AMI).
    pause_snap_early_frames: int = 60
    # Second pass on MFCC Gaussians (None: d-vector labels only); see diarization/reseg.py.
    reseg: ResegParams | None = ResegParams()
    # Second speaker on overlapped frames (None: none); see diarization/overlap.py.
    overlap: OverlapParams | None = OverlapParams()
    threads: int = 0                  # torch threads for the encoder; 0 = all cores, like the ASR
    batch: int = 64                   # windows per encoder call


class EmbeddedDiarizer:
    """Mono diarizer; the encoder (resemblyzer VoiceEncoder) and VAD are loaded once and passed in."""

    backend = "embedded"

    def __init__(self, encoder=None, num_speakers: int = 2, vad_model=None,
                 params: EmbeddedParams | None = None,
                 overlap_model: OverlapModel | None = None):
        if encoder is None:
            encoder = load_encoder()
        self.encoder = encoder
        self.vad_model = vad_model if vad_model is not None else load_vad_model()
        self.num_speakers = num_speakers
        self.params = params or EmbeddedParams()
        self.overlap_model = overlap_model if overlap_model is not None else load_model()

    def diarize(self, samples: np.ndarray, words: list[Word] | None = None,
                num_speakers: int | None = None) -> Diarization:
        """Who spoke when; `samples` (n,) float32 at 16 kHz (a (c, n) array is averaged)."""
        a = self.analyse(samples, num_speakers)
        if a is None:
            return Diarization(segments=[], speakers=[], backend=self.backend)
        segments = _frames_to_segments(a.idx, a.labels)
        overlaps = []
        if self.params.overlap is not None and self.overlap_model is not None:
            overlaps = detect_overlaps(self.overlap_model, a, self.params.overlap)
        if words:
            segments = snap_to_words(segments, words, self.params.snap_window_s)
        speakers = _rename_by_first_appearance(segments, overlaps)
        return Diarization(segments=segments, speakers=speakers, backend=self.backend,
                           overlaps=overlaps)

    def analyse(self, samples: np.ndarray, num_speakers: int | None = None
                ) -> FrameAnalysis | None:
        """VAD, speech frames and their speaker labels and scores (None: no speech)."""
        x = as_mono(samples)
        k = self.num_speakers if num_speakers is None else num_speakers
        p = self.params
        probs = speech_probabilities(self.vad_model, x)
        vmask = speech_mask(probs, p.vad_onset, p.vad_offset, p.vad_min_gap_s,
                            p.vad_min_speech_s, p.vad_pad_s)
        mel = mel_frames(x)
        frame_speech = _vad_to_mel(vmask, len(mel))
        if p.trim_db > 0:
            frame_speech = trim_quiet(frame_speech, mel, p.trim_db)
        idx = np.flatnonzero(frame_speech)
        if len(idx) == 0:
            return None
        labels, scores = self._label_frames(mel[idx], k, _region_starts(idx))
        return FrameAnalysis(x, probs, mel, idx, labels, scores)

    # -- internals -------------------------------------------------------------------------
    def _label_frames(self, speech_mel: np.ndarray, k: int, regions: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray | None]:
        """Speaker index for each speech mel frame (`regions`: first frame of each speech run)
        and the scores of the last Viterbi pass (None when there is one speaker)."""
        p = self.params
        n = len(speech_mel)
        win = p.window_frames
        spans = region_windows(np.array([0]) if p.cross_gaps else regions, n, win, p.hop_frames)
        if len(spans) < 2 or k == 1:
            return np.zeros(n, dtype=int), None
        emb = self._embed(speech_mel, spans, win)
        assign = cluster(emb, k, p.max_speakers, p.same_speaker_cos, p.prune, p.split_max_cos)
        n_clusters = int(assign.max()) + 1
        if n_clusters == 1:
            return np.zeros(n, dtype=int), None
        centroids = _centroids(emb, assign, n_clusters)
        sims = emb @ centroids.T                                   # (windows, K)
        scores = frame_scores(sims, spans, n, p.focus) / p.temperature   # (frames, K)
        penalty = np.full(n, p.switch_penalty)
        penalty[regions] = p.gap_switch_penalty          # a change at a pause is cheap
        labels = viterbi(scores, penalty)
        if p.reseg is not None:
            second = resegment_scores(scores, speech_mel, labels, p.reseg)
            if second is not None:
                labels = viterbi(second, penalty)
                scores = second
        labels = snap_to_pauses(labels, regions, p.pause_snap_frames, p.pause_snap_early_frames)
        return merge_short_same(labels, centroids, p.short_speaker_s * SAMPLE_RATE / MEL_HOP,
                                p.short_same_cos), scores

    def _embed(self, speech_mel: np.ndarray, spans: np.ndarray, win: int) -> np.ndarray:
        """d-vectors of all windows in batches; a window shorter than `win` is tiled to it."""
        import torch

        windows = np.stack([_tile(speech_mel[a:b], win) for a, b in spans])
        out = []
        with _torch_threads(self.params.threads), torch.inference_mode():
            for i in range(0, len(windows), self.params.batch):
                batch = torch.from_numpy(np.ascontiguousarray(windows[i:i + self.params.batch]))
                out.append(self.encoder(batch.to(self.encoder.device)).cpu().numpy())
        return np.concatenate(out).astype(np.float32)


@contextmanager
def _torch_threads(n: int):
    """Run torch with n intra-op threads (0 = all cores), restoring the caller's setting.

    Measured on an idle 2-core box: 2 threads 0.87 s per audio minute vs 1.28 s with 1 (same
    DER). With other processes busy on the cores, 2 threads were 8x slower than 1 (OpenMP
    spin-waiting): set EmbeddedParams(threads=1) when several workers share a small box.
    """
    import torch

    from hotline.asr.loader import cpu_threads

    n = cpu_threads(n)
    before = torch.get_num_threads()
    if n > 0 and n != before:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if n > 0 and n != before:
            torch.set_num_threads(before)


def load_encoder(device: str = "cpu"):
    """resemblyzer's VoiceEncoder with the weights shipped inside the package (no download)."""
    from resemblyzer import VoiceEncoder

    return VoiceEncoder(device=device, verbose=False)


def mel_frames(x: np.ndarray) -> np.ndarray:
    """resemblyzer's mel spectrogram (40 bands, 25 ms window, 10 ms hop), shape (frames, 40)."""
    from resemblyzer.audio import wav_to_mel_spectrogram

    return wav_to_mel_spectrogram(x)


def _vad_to_mel(vmask: np.ndarray, n_mel: int) -> np.ndarray:
    """Speech flag per 10 ms mel frame from the 32 ms VAD frames."""
    centre = np.arange(n_mel) * MEL_HOP
    vidx = np.minimum(centre // VAD_FRAME, len(vmask) - 1)
    return vmask[vidx]


def trim_quiet(speech: np.ndarray, mel: np.ndarray, trim_db: float) -> np.ndarray:
    """Tighten VAD runs: silero keeps ~0.1-0.3 s of hangover around speech; cut run edges
    that are `trim_db` below the run's loud frames (inner pauses stay: they are in the turn)."""
    energy = 10.0 * np.log10(mel.sum(axis=1) + 1e-10)
    out = speech.copy()
    idx = np.flatnonzero(speech)
    if len(idx) == 0:
        return out
    for run in np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1):
        e = energy[run]
        loud = e >= np.percentile(e, 90) - trim_db
        if not loud.any():
            continue
        first, last = np.flatnonzero(loud)[[0, -1]]
        out[run[:first]] = False
        out[run[last + 1:]] = False
    return out


def _region_starts(idx: np.ndarray) -> np.ndarray:
    """Positions in the speech-frame sequence where a new speech run (after a pause) starts."""
    return np.concatenate([[0], np.flatnonzero(np.diff(idx) > 1) + 1])


def region_windows(regions: np.ndarray, n: int, win: int, hop: int) -> np.ndarray:
    """(start, end) windows that never cross a pause: sliding inside long runs, one per short run."""
    bounds = np.append(regions, n)
    spans = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=False):
        if b - a <= win:
            spans.append((a, b))
            continue
        starts = list(range(a, b - win + 1, hop))
        if starts[-1] + win < b:
            starts.append(b - win)
        spans.extend((s, s + win) for s in starts)
    return np.asarray(spans, dtype=int).reshape(-1, 2)


def _tile(block: np.ndarray, win: int) -> np.ndarray:
    """Repeat a short stretch of frames to the window length (the LSTM wants full windows)."""
    if len(block) >= win:
        return block[:win]
    reps = int(np.ceil(win / max(len(block), 1)))
    return np.tile(block, (reps, 1))[:win]


def cluster(emb: np.ndarray, k: int, max_k: int, same_cos: float, prune: float = 0.3,
            split_cos: float = defaults.DIAR_SPLIT_MAX_COS) -> np.ndarray:
    """Spectral clustering of window embeddings into k speakers (k=0: estimate the count).

    Neighbouring windows overlap, so plain k-means/agglomerative clusters follow time rather
    than voice; a pruned cosine affinity (each window keeps its most similar `prune` share)
    and the graph Laplacian's eigenvectors separate the voices (as in Wang et al. 2018).
    """
    n = len(emb)
    if n < 4:
        return np.zeros(n, dtype=int)
    if n > MAX_CLUSTER_WINDOWS:
        # Long calls: cluster an evenly spaced subset (the eigen-solve is O(n^3)), then give
        # every window its nearest centroid.
        sub = np.linspace(0, n - 1, MAX_CLUSTER_WINDOWS).astype(int)
        part = cluster(emb[sub], k, max_k, same_cos, prune, split_cos)
        cents = _centroids(emb[sub], part, int(part.max()) + 1)
        return np.argmax(emb @ cents.T, axis=1)
    vecs = _spectral_embedding(emb, max(k, max_k), prune)
    if k > 0:
        assign = _kmeans(vecs, max(1, min(k, n)))
        return _merge_same(emb, assign, same_cos) if k > 1 else assign
    best = _merge_same(emb, _kmeans(vecs, 2), same_cos)
    if best.max() == 0:
        return best
    for k in range(3, min(max_k, n // MIN_SPEAKER_WINDOWS) + 1):
        assign = _kmeans(vecs, k)
        if not _separate(emb, assign, k, split_cos):
            break
        best = assign
    return best


def _kmeans(vecs: np.ndarray, k: int) -> np.ndarray:
    """k-means on the first k (row-normalised) spectral eigenvectors; labels 0..k-1."""
    if k == 1:
        return np.zeros(len(vecs), dtype=int)
    from sklearn.cluster import KMeans

    feats = vecs[:, :k]
    feats = feats / np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-9)
    assign = KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(feats)
    return np.unique(assign, return_inverse=True)[1]


def _separate(emb: np.ndarray, assign: np.ndarray, k: int, split_cos: float) -> bool:
    """Is every one of the k clusters its own voice: enough windows, and a centroid below
    `split_cos` to every other (a split of one voice, or the windows that straddle a change,
    stay closer than that)?"""
    sizes = np.bincount(assign, minlength=k)
    if int(assign.max()) + 1 < k or sizes.min() < MIN_SPEAKER_WINDOWS:
        return False
    cents = _centroids(emb, assign, k)
    sims = cents @ cents.T
    np.fill_diagonal(sims, -1.0)
    return float(sims.max()) < split_cos


def merge_short_same(labels: np.ndarray, centroids: np.ndarray, short_frames: float,
                     same_cos: float) -> np.ndarray:
    """Fold a speaker with little speech (< `short_frames`) into the most similar one when
    their centroids' cosine is at least `same_cos`: on short clips one voice split in two
    (reading, a voicemail) looks like this, while a second party on a short clip sounds
    further apart (measured values in hotline/defaults.py)."""
    out = labels.copy()
    while True:
        present = np.unique(out)
        if len(present) < 2:
            return out
        frames = np.array([(out == c).sum() for c in present])
        i = int(np.argmin(frames))
        if frames[i] >= short_frames:
            return out
        sims = centroids[present] @ centroids[present[i]]
        sims[i] = -1.0
        j = int(np.argmax(sims))
        if sims[j] < same_cos:
            return out
        out[out == present[i]] = present[j]


def _spectral_embedding(emb: np.ndarray, m: int, prune: float) -> np.ndarray:
    """First m eigenvectors of the normalised Laplacian of the pruned affinity."""
    from scipy.linalg import eigh

    n = len(emb)
    aff = np.clip(emb @ emb.T, 0.0, 1.0).astype(np.float64)
    keep = max(2, int(np.ceil(prune * n)))
    thresh = -np.partition(-aff, keep - 1, axis=1)[:, keep - 1:keep]
    aff = np.where(aff >= thresh, aff, 0.0)
    aff = 0.5 * (aff + aff.T)
    np.fill_diagonal(aff, 0.0)
    deg = aff.sum(axis=1)
    dinv = 1.0 / np.sqrt(np.maximum(deg, 1e-9))
    lap = np.eye(n) - dinv[:, None] * aff * dinv[None, :]
    m = min(m + 1, n)
    _, vecs = eigh(lap, subset_by_index=[0, m - 1])
    return vecs


def _merge_same(emb: np.ndarray, assign: np.ndarray, same_cos: float) -> np.ndarray:
    """Merge clusters whose centroids are near-identical (one voice split in two)."""
    while True:
        k = int(assign.max()) + 1
        if k < 2:
            return assign
        cents = _centroids(emb, assign, k)
        sims = cents @ cents.T
        np.fill_diagonal(sims, -1)
        i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[i, j] < same_cos:
            return assign
        assign = np.where(assign == max(i, j), min(i, j), assign)
        _, assign = np.unique(assign, return_inverse=True)


def _centroids(emb: np.ndarray, assign: np.ndarray, k: int) -> np.ndarray:
    cents = np.stack([emb[assign == c].mean(axis=0) if np.any(assign == c)
                      else np.zeros(emb.shape[1], emb.dtype) for c in range(k)])
    norms = np.linalg.norm(cents, axis=1, keepdims=True)
    return cents / np.maximum(norms, 1e-9)


def snap_to_pauses(labels: np.ndarray, regions: np.ndarray, reach: int,
                   early_reach: int | None = None) -> np.ndarray:
    """Move each speaker change that falls inside a speech run to the nearest pause (run
    start) within `reach` frames (`early_reach` when the change comes before the pause), if
    that pause has no other change between them."""
    if max(reach, early_reach or 0) <= 0 or len(regions) < 2:
        return labels
    out = labels.copy()
    starts = np.asarray(regions)
    at_pause = set(starts.tolist())
    changes = np.flatnonzero(np.diff(labels)) + 1
    for c in changes:
        if int(c) in at_pause:
            continue
        j = int(np.argmin(np.abs(starts - c)))
        r = int(starts[j])
        limit = early_reach if early_reach is not None and r > c else reach
        if abs(r - c) > limit or r == 0:
            continue
        lo, hi = min(r, c), max(r, c)
        if np.any((changes > lo) & (changes < hi)):
            continue
        if r > c:       # change too early: the old speaker keeps frames up to the pause
            out[c:r] = labels[c - 1]
        else:           # change too late: the new speaker starts at the pause
            out[r:c] = labels[c]
    return out


def _focus_weights(length: int, focus: float) -> np.ndarray:
    """Hann-shaped weights over a window, peaking at `focus` (fraction of its length)."""
    pos = (np.arange(length) + 0.5) / length
    f = min(max(focus, 1e-3), 1 - 1e-3)
    warped = np.where(pos < f, 0.5 * pos / f, 0.5 + 0.5 * (pos - f) / (1 - f))
    return (0.5 - 0.5 * np.cos(2 * np.pi * warped)).astype(np.float32) + 1e-3


def frame_scores(sims: np.ndarray, spans: np.ndarray, n: int, focus: float = 0.5) -> np.ndarray:
    """Per-frame speaker scores: weighted mean similarity of the windows covering a frame.

    `focus` moves the peak of the weighting inside the window; measured on ami_sample and
    synthetic calls, the centre (0.5, a Hann window) is best.
    """
    num = np.zeros((n, sims.shape[1]), dtype=np.float32)
    den = np.zeros(n, dtype=np.float32)
    for (a, b), row in zip(spans, sims, strict=False):
        weight = _focus_weights(b - a, focus)
        num[a:b] += weight[:, None] * row[None, :]
        den[a:b] += weight
    return num / np.maximum(den[:, None], 1e-6)


def viterbi(scores: np.ndarray, switch_penalty: float | np.ndarray) -> np.ndarray:
    """Best label path maximising sum(score) - penalty * changes (penalty per frame or scalar)."""
    n, k = scores.shape
    penalty = np.broadcast_to(np.asarray(switch_penalty, dtype=np.float64), (n,))
    back = np.zeros((n, k), dtype=np.int32)
    acc = scores[0].astype(np.float64).copy()
    for t in range(1, n):
        stay = acc
        best_prev = int(np.argmax(acc))
        switch = acc[best_prev] - penalty[t]
        choose_switch = switch > stay
        back[t] = np.where(choose_switch, best_prev, np.arange(k))
        acc = np.where(choose_switch, switch, stay) + scores[t]
    path = np.zeros(n, dtype=int)
    path[-1] = int(np.argmax(acc))
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def _frames_to_segments(idx: np.ndarray, labels: np.ndarray) -> list[SpeakerSegment]:
    """Runs of consecutive speech frames with one label -> segments (in seconds)."""
    hop_s = MEL_HOP / SAMPLE_RATE
    segments: list[SpeakerSegment] = []
    run_start = 0
    for i in range(1, len(idx) + 1):
        if i == len(idx) or idx[i] != idx[i - 1] + 1 or labels[i] != labels[run_start]:
            segments.append(SpeakerSegment(start=round(float(idx[run_start]) * hop_s, 3),
                                           end=round(float(idx[i - 1] + 1) * hop_s, 3),
                                           speaker=f"S{int(labels[run_start])}"))
            run_start = i
    return segments


def snap_to_words(segments: list[SpeakerSegment], words: list[Word],
                  window: float) -> list[SpeakerSegment]:
    """Move each speaker change between touching segments into the widest pause between words
    within `window` s (people change turns at pauses, not between two words of one phrase)."""
    ordered = sorted(words, key=lambda w: w.start)
    pairs = [(a.end, b.start) for a, b in zip(ordered, ordered[1:], strict=False)]
    if not pairs:
        return segments
    mids = np.array([0.5 * (e + s) for e, s in pairs])
    widths = np.array([max(0.0, s - e) for e, s in pairs])
    out = [SpeakerSegment(s.start, s.end, s.speaker) for s in segments]
    for a, b in zip(out, out[1:], strict=False):
        if a.speaker == b.speaker or b.start - a.end > 1e-6:
            continue
        near = np.flatnonzero((np.abs(mids - a.end) <= window) & (mids > a.start) & (mids < b.end))
        if len(near):
            j = near[np.argmax(widths[near] - 0.3 * np.abs(mids[near] - a.end))]
            a.end = b.start = round(float(mids[j]), 3)
    return [s for s in out if s.end - s.start > 1e-6]


def _rename_by_first_appearance(segments: list[SpeakerSegment],
                                overlaps: list[SpeakerSegment] | None = None) -> list[str]:
    """Relabel speakers S0, S1, ... in order of first speech (second speakers on overlaps
    follow the same map); returns the speaker list."""
    mapping: dict[str, str] = {}
    for seg in segments:
        if seg.speaker not in mapping:
            mapping[seg.speaker] = f"S{len(mapping)}"
        seg.speaker = mapping[seg.speaker]
    if overlaps:
        overlaps[:] = [o for o in overlaps if o.speaker in mapping]
        for seg in overlaps:
            seg.speaker = mapping[seg.speaker]
    return list(mapping.values())
