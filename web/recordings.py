"""Where a call's recording (and its redacted copy) is on this server's disk."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import HTTPException

from hotline.document import CallDocument
from hotline.store.results import ResultsStore
from hotline.web.auth import Principal

AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".flac": "audio/flac",
               ".ogg": "audio/ogg", ".opus": "audio/ogg", ".m4a": "audio/mp4",
               ".aac": "audio/aac", ".webm": "audio/webm", ".amr": "audio/amr"}


def media_type(path: Path) -> str:
    return AUDIO_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"


def source_path(doc: CallDocument, data_dir: str = "", source: str | None = None) -> Path | None:
    """The recording on local disk (plain path or file:// URI), or None; `source` overrides
    the document's (redacted) one with the path the results store registered."""
    src = (doc.source if source is None else source) or ""
    if src.startswith("file://"):
        src = src[len("file://"):]
    if not src or "://" in src:
        return None
    for candidate in (Path(src), Path(data_dir) / src if data_dir else None):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def redacted_audio_path(doc: CallDocument) -> Path | None:
    """A redacted (PII beeped) copy: metadata `redacted_audio`, or `<stem>.redacted<ext>`."""
    meta = doc.metadata or {}
    for key in ("redacted_audio", "redacted_source"):
        if meta.get(key) and Path(str(meta[key])).is_file():
            return Path(str(meta[key]))
    src = source_path(doc)
    if src is None:
        return None
    for name in (f"{src.stem}.redacted{src.suffix}", f"{src.stem}_redacted{src.suffix}"):
        if (src.parent / name).is_file():
            return src.parent / name
    return None


def recording(store: ResultsStore, doc: CallDocument, data_dir: str) -> Path | None:
    """The original audio: the document's source, else the path its store row registered."""
    path = source_path(doc, data_dir)
    if path is None:
        row = store.get(doc.call_id)
        path = source_path(doc, data_dir, row.source) if row else None
    return path


def audio_file(store: ResultsStore, data_dir: str, who: Principal, doc: CallDocument,
               version: str) -> tuple[Path, str]:
    """(path, version served): the redacted copy by default when there is one."""
    redacted = redacted_audio_path(doc)
    if version == "redacted" and redacted is None:
        raise HTTPException(404, "this call has no redacted audio copy")
    if version == "original" and redacted is not None and who.role == "agent":
        raise HTTPException(403, "agents may only play the redacted copy of this call")
    if redacted is not None and version != "original":
        return redacted, "redacted"
    path = recording(store, doc, data_dir)
    if path is None:
        raise HTTPException(404, f"audio for {doc.call_id} is not available on this server")
    return path, "original"
