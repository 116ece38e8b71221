"""Typed rejections: every bad input ends as one of these, with a message a person can act on.

`permanent` tells the batch layer whether retrying could ever help (undecodable audio: no;
a Redis blip: yes).
"""

from __future__ import annotations


class HotlineError(Exception):
    """Base of every error hotline raises on purpose."""

    permanent = True


class ConfigError(HotlineError):
    """A setting is wrong (bad URL, missing model path, invalid option)."""


class RecordingRejected(HotlineError):
    """A recording cannot be processed; the message says why."""

    reason = "rejected"


class MissingFile(RecordingRejected):
    reason = "missing"


class EmptyFile(RecordingRejected):
    reason = "empty"


class UndecodableAudio(RecordingRejected):
    reason = "undecodable"


class ZeroDuration(RecordingRejected):
    reason = "zero_duration"


class TooLong(RecordingRejected):
    reason = "too_long"


class TransientError(HotlineError):
    """Worth a retry: lost connections, out of memory, a worker that died."""

    permanent = False
