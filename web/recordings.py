"""Where a call's recording and its redacted copy are — only ever inside the server's own
audio directories (`Settings.audio_roots`: data_dir, then HOTLINE_AUDIO_DIRS), resolved and
checked, so no path from a document or its metadata can make the server read another file.

The redacted copy is found by convention, never by a stored path: `<root>/redacted_audio/
<call_id>.wav` (what workers write under their data_dir; on several machines that directory is
shared storage listed in HOTLINE_AUDIO_DIRS, see docs/security.md), or `<stem>.redacted<ext>`
beside the recording.

Fail closed: an agent gets a call with redactions only as its redacted copy; when that copy is
not reachable here the answer is 403, never the original.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException

from hotline.document import CallDocument
from hotline.settings import Settings
from hotline.store.results import ResultsStore
from hotline.web.auth import Principal

AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".flac": "audio/flac",
               ".ogg": "audio/ogg", ".opus": "audio/ogg", ".m4a": "audio/mp4",
               ".aac": "audio/aac", ".webm": "audio/webm", ".amr": "audio/amr"}
REDACTED_DIR = "redacted_audio"


def media_type(path: Path) -> str:
    return AUDIO_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"


@dataclass(frozen=True)
class AudioRoots:
    """The resolved directories audio may be served from."""

    roots: tuple[Path, ...]

    @classmethod
    def of(cls, settings: Settings) -> AudioRoots:
        return cls(tuple(Path(d).expanduser().resolve() for d in settings.audio_roots if d))

    def inside(self, path: Path) -> Path | None:
        """The resolved file when it is an audio file (by extension: the store's own SQLite
        file lives in data_dir too) inside one of the roots (symlinks followed)."""
        try:
            real = path.expanduser().resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        if real.suffix.lower() not in AUDIO_TYPES or not real.is_file():
            return None
        return real if any(real.is_relative_to(root) for root in self.roots) else None

    def find(self, src: str) -> Path | None:
        """A stored source (path or file:// URI, absolute or relative to a root) on disk."""
        if src.startswith("file://"):
            src = src[len("file://"):]
        if not src or "://" in src or "\x00" in src:
            return None
        candidates = [Path(src)] if Path(src).is_absolute() else [r / src for r in self.roots]
        return next((p for p in map(self.inside, candidates) if p is not None), None)


def recording(roots: AudioRoots, store: ResultsStore, doc: CallDocument) -> Path | None:
    """The original audio: the document's source, else the path its store row registered."""
    path = roots.find(doc.source or "")
    if path is None:
        row = store.get(doc.call_id)
        path = roots.find(row.source or "") if row else None
    return path


def redacted_copy(roots: AudioRoots, store: ResultsStore, doc: CallDocument) -> Path | None:
    """The redacted copy of the call, found by convention inside the roots."""
    names = [Path(REDACTED_DIR) / f"{doc.call_id}.wav"]
    original = recording(roots, store, doc)
    if original is not None:
        names += [original.with_name(f"{original.stem}{sep}redacted{original.suffix}")
                  for sep in (".", "_")]
    candidates = [n if n.is_absolute() else root / n for n in names for root in roots.roots]
    return next((p for p in map(roots.inside, candidates) if p is not None), None)


def must_redact(who: Principal, doc: CallDocument) -> bool:
    """Agents never hear the PII of a call with redactions."""
    return who.role == "agent" and bool(doc.redactions)


def audio_file(roots: AudioRoots, store: ResultsStore, who: Principal, doc: CallDocument,
               version: str) -> tuple[Path, str]:
    """(path, version served): the redacted copy by default when there is one."""
    redacted = redacted_copy(roots, store, doc)
    if version == "redacted" and redacted is None:
        raise HTTPException(404, "this call has no redacted audio copy on this server")
    if must_redact(who, doc) or (version == "original" and redacted and who.role == "agent"):
        if version == "original":
            raise HTTPException(403, "agents may only play the redacted copy of this call")
        if redacted is None:
            raise HTTPException(403, "this call has redacted PII and its redacted copy is not "
                                     "reachable on this server; ask an admin (docs/security.md)")
        return redacted, "redacted"
    if redacted is not None and version != "original":
        return redacted, "redacted"
    path = recording(roots, store, doc)
    if path is None:
        raise HTTPException(404, f"audio for {doc.call_id} is not available on this server")
    return path, "original"
