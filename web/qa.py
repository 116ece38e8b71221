"""QA pages and JSON API: search stored calls, open a call (audio + transcript + emotion timeline
+ violations), similar calls, and the audit log.

Access is by API token (`hotline.web.auth`): `Authorization: Bearer <token>` for the API, or a cookie set
by the login form / `?token=` for the pages (the pages' own fetches and the <audio> element ride
on the cookie). An agent token sees only calls whose `metadata.agent_id` is its own — in search,
call view, audio and similar; any other call answers 404 as if it did not exist. Every search,
call view, playback and similar lookup is written to the audit log.
"""

from __future__ import annotations

import json
import mimetypes
import re
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field

from hotline.config import Settings
from hotline.document import CallDocument
from hotline.errors import HotlineError
from hotline.web.auth import AuthStore, Principal

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static" / "qa"
COOKIE = "hotline_token"
COOKIE_MAX_AGE_S = 12 * 3600            # one working shift
SEARCH_LIMIT = 50
SIMILAR_K = 5
AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".flac": "audio/flac",
               ".ogg": "audio/ogg", ".opus": "audio/ogg", ".m4a": "audio/mp4",
               ".aac": "audio/aac", ".webm": "audio/webm", ".amr": "audio/amr"}
FILTER_KEYS = ("role", "date_from", "date_to", "agent", "emotion", "rule", "intent",
               "min_duration", "max_duration", "language")


# --- API models (what /docs shows) ---------------------------------------------------------
class SearchHit(BaseModel):
    call_id: str
    turn: int | None = None
    start: float | None = Field(None, description="turn start, seconds into the recording")
    end: float | None = None
    role: str | None = None
    snippet: str = Field("", description="HTML-escaped turn text, matches in <mark>")
    score: float = 0.0
    date: str | None = None
    agent_id: str | None = None
    emotion: str | None = None


class SearchResponse(BaseModel):
    results: list[SearchHit]
    total: int = Field(description="all matches (results holds the first `limit`)")
    query: str = ""
    filters: dict[str, Any] = Field(default_factory=dict)
    mode: str = Field("", description="exact | substring | fuzzy | filter")


class SimilarCall(BaseModel):
    call_id: str
    score: float = 0.0
    date: str | None = None
    agent_id: str | None = None
    duration: float | None = None
    intents: list[str] = Field(default_factory=list)
    snippet: str = ""


class SimilarResponse(BaseModel):
    call_id: str
    similar: list[SimilarCall]


class AuditRow(BaseModel):
    id: int
    at: str
    token_id: str | None = None
    name: str | None = None
    role: str | None = None
    agent_id: str | None = None
    action: str
    call_id: str | None = None
    query: str | None = None
    status: str
    detail: str | None = None


class Me(BaseModel):
    name: str
    role: str
    agent_id: str | None = None
    token_id: str


# --- resources -----------------------------------------------------------------------------
class QAService:
    """The database, results store, search index and token store, opened once on first use."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._embed_lock = threading.Lock()     # loading MiniLM must not block other requests
        self._db: Any = None
        self._store: Any = None
        self._auth: AuthStore | None = None
        self._index: Any = None

    def _open(self) -> None:
        if self._db is not None:
            return
        with self._lock:
            if self._db is None:
                from hotline.store.db import Database
                from hotline.store.results import ResultsStore

                db = Database(self.settings.db_url)
                self._store = ResultsStore(db)
                self._auth = AuthStore(db)
                self._db = db

    @property
    def store(self) -> Any:
        self._open()
        return self._store

    @property
    def auth(self) -> AuthStore:
        self._open()
        assert self._auth is not None
        return self._auth

    @property
    def index(self) -> Any:
        """The search index; keyword search needs no embedder, so none is loaded here."""
        self._open()
        with self._lock:
            if self._index is None:
                from hotline.search.index import SearchIndex

                self._index = SearchIndex(self._db, None)
        return self._index

    @property
    def similar_index(self) -> Any:
        """The same index with the MiniLM embedder, loaded on the first "similar" request
        (keyword search never needs it, so a QA page opens without loading torch)."""
        index = self.index
        with self._embed_lock:
            if index.embedder is None:
                from hotline.search.embed import load_embedder

                index.embedder = load_embedder()
        return index

    # --- calls ----------------------------------------------------------------------------
    def visible_document(self, who: Principal, call_id: str, action: str) -> CallDocument:
        """The call if `who` may see it; otherwise 404 (and a denied audit row)."""
        doc = self.store.get_document(call_id)
        if doc is None or not who.can_see(doc.metadata):
            self.auth.audit(who, action, call_id=call_id,
                            status="not_found" if doc is None else "denied")
            raise HTTPException(404, f"no call {call_id!r}")
        return doc

    def search(self, who: Principal, query: str, filters: dict[str, Any],
               limit: int = SEARCH_LIMIT) -> SearchResponse:
        """Search, restricted to the agent's own calls for agent tokens; audited."""
        filters = {k: v for k, v in filters.items() if v not in (None, "")}
        if who.role == "agent":
            filters["agent"] = who.agent_id or "\x00none"
        try:
            raw = self.index.search(query, filters, limit=limit)
        except ValueError as exc:           # an unknown filter or a malformed query
            raise HTTPException(422, str(exc)) from None
        hits = [_as_dict(h) for h in _result_list(raw)]
        if who.role == "agent":             # belt and braces: the stored document decides
            owners = self._owners([h["call_id"] for h in hits])
            hits = [h for h in hits if who.can_see({"agent_id": owners.get(h["call_id"])})]
        results = [SearchHit(call_id=h["call_id"], turn=h.get("turn"), start=h.get("start"),
                             end=h.get("end"), role=h.get("role"), snippet=h.get("snippet") or "",
                             score=float(h.get("score") or 0.0),
                             date=h.get("call_date") or h.get("date"),
                             agent_id=h.get("agent_id"), emotion=h.get("emotion"))
                   for h in hits]
        total = int(getattr(raw, "total", len(results)))
        self.auth.audit(who, "search", query={"q": query, **filters},
                        detail=f"{total} results")
        return SearchResponse(results=results, total=total, query=query, filters=filters,
                              mode=str(getattr(raw, "mode", "")))

    def _owners(self, call_ids: list[str]) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for call_id in dict.fromkeys(call_ids):
            doc = self.store.get_document(call_id)
            out[call_id] = (doc.metadata or {}).get("agent_id") if doc else None
        return out

    def similar(self, who: Principal, call_id: str, k: int = SIMILAR_K) -> SimilarResponse:
        """Calls closest in meaning; agents only among their own. Audited."""
        self.visible_document(who, call_id, "similar")
        filters = {"agent": who.agent_id} if who.role == "agent" else None
        try:
            index = self.similar_index
            index.ensure_embeddings()       # calls indexed by a batch that had no embedder
            raw = index.similar(call_id, k=k, filters=filters)
        except HotlineError as exc:
            self.auth.audit(who, "similar", call_id=call_id, status="error", detail=str(exc))
            raise HTTPException(503, f"similar calls unavailable: {exc}") from None
        out = []
        for item in map(_as_dict, _result_list(raw)):
            if item.get("call_id") == call_id:
                continue
            doc = self.store.get_document(item["call_id"])
            if doc is None or not who.can_see(doc.metadata):
                continue
            out.append(SimilarCall(call_id=doc.call_id, score=float(item.get("score") or 0.0),
                                   date=(doc.metadata or {}).get("date"),
                                   agent_id=(doc.metadata or {}).get("agent_id"),
                                   duration=doc.duration, intents=doc.intents or [],
                                   snippet=item.get("snippet") or ""))
        self.auth.audit(who, "similar", call_id=call_id, detail=f"{len(out)} results")
        return SimilarResponse(call_id=call_id, similar=out[:k])

    def recording(self, doc: CallDocument) -> Path | None:
        """The original audio: the document's source, else the path its store row registered."""
        path = source_path(doc, self.settings.data_dir)
        if path is None:
            row = self.store.get(doc.call_id)
            path = source_path(doc, self.settings.data_dir, row.source) if row else None
        return path

    def audio_file(self, who: Principal, doc: CallDocument, version: str) -> tuple[Path, str]:
        """(path, version served): the redacted copy by default when there is one."""
        redacted = redacted_audio_path(doc)
        if version == "redacted" and redacted is None:
            raise HTTPException(404, "this call has no redacted audio copy")
        if version == "original" and redacted is not None and who.role == "agent":
            raise HTTPException(403, "agents may only play the redacted copy of this call")
        if redacted is not None and version != "original":
            return redacted, "redacted"
        path = self.recording(doc)
        if path is None:
            raise HTTPException(404, f"audio for {doc.call_id} is not available on this server")
        return path, "original"


def _result_list(raw: Any) -> list[Any]:
    if raw is None:
        return []
    if isinstance(raw, dict):
        return list(raw.get("results") or raw.get("similar") or [])
    if hasattr(raw, "results"):
        return list(raw.results)
    return list(raw)


def _as_dict(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    if hasattr(item, "to_dict"):
        return item.to_dict()
    if hasattr(item, "__dataclass_fields__"):
        return asdict(item)
    if isinstance(item, tuple) and len(item) == 2:      # (call_id, score)
        return {"call_id": item[0], "score": item[1]}
    return dict(vars(item))


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


# --- auth ----------------------------------------------------------------------------------
def _token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


# --- view helpers --------------------------------------------------------------------------
def call_view_model(doc: CallDocument) -> dict[str, Any]:
    """The call document plus, per turn, the violations to highlight on it."""
    data = doc.to_dict()
    by_turn: dict[int, list[dict[str, Any]]] = {}
    call_level = []
    for v in data["violations"]:
        idx = v.get("turn")
        if idx is None:
            idx = next((i for i, t in enumerate(doc.turns) if t.end >= v["start"]), None)
        if idx is not None and 0 <= idx < len(doc.turns):
            by_turn.setdefault(idx, []).append(v)
        else:
            call_level.append(v)
    for i, turn in enumerate(data["turns"]):
        turn["index"] = i
        turn["violations"] = by_turn.get(i, [])
        turn.pop("words", None)
    redacted_turns = {r["turn"] for r in data["redactions"]}
    for turn in data["turns"]:
        turn["redacted"] = turn["index"] in redacted_turns
    data["call_level_violations"] = call_level
    data["customer_mood"] = _customer_mood(doc)
    return data


def _customer_mood(doc: CallDocument) -> dict[str, Any]:
    """How the customer felt: the call's label (as the daily report counts it), how the last
    customer turn ended, whether they turned angry and whether it got worse."""
    from hotline.report.daily import customer_emotion, emotion_escalated, emotion_worsened

    last = next((t.emotion.label for t in reversed(doc.turns)
                 if t.role == "customer" and t.emotion), None)
    return {"label": customer_emotion(doc), "end": last, "escalated": emotion_escalated(doc),
            "worsened": emotion_worsened(doc)}


def snippet_html(snippet: str) -> Markup:
    """The index's snippet (escaped text + <mark>) as markup; any other tag is neutralised."""
    return Markup(re.sub(r"<(?!/?mark>)", "&lt;", snippet or ""))


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _search_filters(role: str | None, date_from: str | None, date_to: str | None,
                    agent: str | None, emotion: str | None, rule: str | None,
                    intent: str | None, min_duration: float | None,
                    max_duration: float | None, language: str | None) -> dict[str, Any]:
    values = dict(role=role, date_from=date_from, date_to=date_to, agent=agent, emotion=emotion,
                  rule=rule, intent=intent, min_duration=min_duration,
                  max_duration=max_duration, language=language)
    return {k: v for k, v in values.items() if v not in (None, "")}


# --- the router ----------------------------------------------------------------------------
def make_router(settings: Settings) -> APIRouter:
    """QA pages under /qa, JSON API under /api (search, calls, audio, similar, audit, me)."""
    from fastapi.templating import Jinja2Templates

    svc = QAService(settings)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["mmss"] = _fmt_time
    templates.env.filters["snippet"] = snippet_html
    router = APIRouter()

    def api_principal(request: Request) -> Principal:
        token = _token_from(request)
        if not token:
            raise _unauthorized("missing token: send 'Authorization: Bearer <token>'")
        who = svc.auth.verify(token)
        if who is None:
            raise _unauthorized("invalid or revoked token")
        return who

    def page_principal(request: Request) -> Principal | None:
        return svc.auth.verify(_token_from(request))

    def login_redirect(request: Request) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/qa/login?next={quote(target, safe='')}", status_code=303)

    def with_token_cookie(request: Request) -> Response | None:
        """`?token=` on a page: set the cookie and redirect to the same URL without it."""
        token = request.query_params.get("token")
        if not token:
            return None
        if svc.auth.verify(token) is None:
            return RedirectResponse("/qa/login?error=1", status_code=303)
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        response = RedirectResponse(request.url.path + (f"?{urlencode(rest)}" if rest else ""),
                                    status_code=303)
        _set_cookie(response, token, request.url.scheme == "https")
        return response

    # --- JSON API -------------------------------------------------------------------------
    @router.get("/api/me", response_model=Me, tags=["qa"])
    def api_me(who: Principal = Depends(api_principal)) -> Me:
        """Who the token belongs to."""
        return Me(name=who.name, role=who.role, agent_id=who.agent_id, token_id=who.token_id)

    @router.get("/api/search", response_model=SearchResponse, tags=["qa"])
    def api_search(
        q: str = Query("", description="keywords or a \"quoted phrase\" (EN or ZH)"),
        role: str | None = Query(None, description="agent | customer: who said it"),
        date_from: str | None = Query(None, description="YYYY-MM-DD, inclusive"),
        date_to: str | None = Query(None, description="YYYY-MM-DD, inclusive"),
        agent: str | None = Query(None, description="metadata agent_id"),
        emotion: str | None = Query(None, description="neutral | positive | negative | angry"),
        rule: str | None = Query(None, description="violated rule id, e.g. greeting.missing"),
        intent: str | None = Query(None, description="intent id, e.g. billing.refund_request"),
        min_duration: float | None = Query(None, ge=0, description="seconds"),
        max_duration: float | None = Query(None, ge=0, description="seconds"),
        language: str | None = Query(None, description="en | zh"),
        limit: int = Query(SEARCH_LIMIT, ge=1, le=500),
        who: Principal = Depends(api_principal),
    ) -> SearchResponse:
        """Search turns of stored calls; agents only get their own calls. Audited."""
        filters = _search_filters(role, date_from, date_to, agent, emotion, rule, intent,
                                  min_duration, max_duration, language)
        return svc.search(who, q, filters, limit)

    @router.get("/api/calls/{call_id}", tags=["qa"])
    def api_call(call_id: str, who: Principal = Depends(api_principal)) -> dict[str, Any]:
        """The call document (contract JSON). Agents: own calls only (else 404). Audited."""
        doc = svc.visible_document(who, call_id, "view")
        svc.auth.audit(who, "view", call_id=call_id)
        data = doc.to_dict()
        data["audio"] = {"url": f"/api/calls/{call_id}/audio",
                         "redacted_available": redacted_audio_path(doc) is not None}
        return data

    @router.get("/api/calls/{call_id}/audio", tags=["qa"],
                responses={200: {"content": {"audio/wav": {}}},
                           206: {"description": "partial content (HTTP Range)"}})
    def api_audio(request: Request, call_id: str,
                  version: str = Query("auto", pattern="^(auto|original|redacted)$",
                                       description="auto = redacted copy when present"),
                  who: Principal = Depends(api_principal)) -> FileResponse:
        """The recording, with HTTP Range support (seeking). Playback starts are audited."""
        doc = svc.visible_document(who, call_id, "audio")
        path, served = svc.audio_file(who, doc, version)
        rng = request.headers.get("range", "")
        if not rng or rng.replace(" ", "").startswith("bytes=0-"):
            svc.auth.audit(who, "audio", call_id=call_id, detail=served)
        media = AUDIO_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] \
            or "application/octet-stream"
        return FileResponse(path, media_type=media, headers={"Cache-Control": "private"})

    @router.get("/api/calls/{call_id}/similar", response_model=SimilarResponse, tags=["qa"])
    def api_similar(call_id: str, k: int = Query(SIMILAR_K, ge=1, le=50),
                    who: Principal = Depends(api_principal)) -> SimilarResponse:
        """Calls most like this one (agents: among their own calls). Audited."""
        return svc.similar(who, call_id, k)

    @router.get("/api/audit", response_model=list[AuditRow], tags=["qa"])
    def api_audit(limit: int = Query(100, ge=1, le=5000), action: str | None = None,
                  call_id: str | None = None,
                  since: str | None = Query(None, description="ISO time lower bound (UTC)"),
                  who: Principal = Depends(api_principal)) -> list[AuditRow]:
        """The audit log, newest first (admin and supervisor only)."""
        if not who.can_read_audit:
            raise HTTPException(403, "the audit log is for admin and supervisor tokens")
        return [AuditRow(**r) for r in svc.auth.audit_rows(limit, action, call_id, since)]

    # --- pages ----------------------------------------------------------------------------
    @router.get("/qa/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str = "/qa", error: str | None = None):
        return templates.TemplateResponse(request, "qa/login.html",
                                          {"next": _safe_next(next), "error": bool(error),
                                           "who": None})

    @router.post("/qa/login", include_in_schema=False)
    def login_submit(request: Request, token: str = Form(...), next: str = Form("/qa")):
        if svc.auth.verify(token) is None:
            return RedirectResponse(f"/qa/login?error=1&next={quote(_safe_next(next), safe='')}",
                                    status_code=303)
        response = RedirectResponse(_safe_next(next), status_code=303)
        _set_cookie(response, token.strip(), request.url.scheme == "https")
        return response

    @router.get("/qa/logout", include_in_schema=False)
    def logout():
        response = RedirectResponse("/qa/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @router.get("/qa/static/{name}", include_in_schema=False)
    def static(name: str):
        path = STATIC / name
        if "/" in name or name.startswith(".") or not path.is_file():
            raise HTTPException(404)
        return FileResponse(path, headers={"Cache-Control": "no-cache"})

    @router.get("/qa", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q: str = "", role: str | None = None,
                    date_from: str | None = None, date_to: str | None = None,
                    agent: str | None = None, emotion: str | None = None,
                    rule: str | None = None, intent: str | None = None,
                    min_duration: str | None = None, max_duration: str | None = None,
                    language: str | None = None):
        if (redirect := with_token_cookie(request)) is not None:
            return redirect
        who = page_principal(request)
        if who is None:
            return login_redirect(request)
        filters = _search_filters(role, date_from, date_to, agent, emotion, rule, intent,
                                  _float(min_duration), _float(max_duration), language)
        searched = bool(q or filters)
        results = svc.search(who, q, filters) if searched else None
        return templates.TemplateResponse(request, "qa/search.html", {
            "who": who, "q": q, "f": filters, "results": results, "searched": searched})

    @router.get("/qa/calls/{call_id}", response_class=HTMLResponse, include_in_schema=False)
    def call_page(request: Request, call_id: str, t: float | None = None):
        if (redirect := with_token_cookie(request)) is not None:
            return redirect
        who = page_principal(request)
        if who is None:
            return login_redirect(request)
        try:
            doc = svc.visible_document(who, call_id, "view")
        except HTTPException:
            return templates.TemplateResponse(request, "qa/notfound.html",
                                              {"who": who, "call_id": call_id}, status_code=404)
        svc.auth.audit(who, "view", call_id=call_id)
        view = call_view_model(doc)
        return templates.TemplateResponse(request, "qa/call.html", {
            "who": who, "doc": view, "t": t,
            "has_redacted": redacted_audio_path(doc) is not None,
            "has_audio": svc.recording(doc) is not None or redacted_audio_path(doc) is not None,
            "doc_json": json.dumps(_timeline_json(view), ensure_ascii=False).replace("</", "<\\/"),
        })

    @router.get("/qa/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request, action: str | None = None):
        who = page_principal(request)
        if who is None:
            return login_redirect(request)
        if not who.can_read_audit:
            raise HTTPException(403, "the audit log is for admin and supervisor tokens")
        rows = svc.auth.audit_rows(200, action or None)
        return templates.TemplateResponse(request, "qa/audit.html",
                                          {"who": who, "rows": rows, "action": action or ""})

    return router


def _timeline_json(view: dict[str, Any]) -> dict[str, Any]:
    """What the call page's script needs: turn times, roles, emotions, violations."""
    return {
        "call_id": view["call_id"], "duration": view["duration"],
        "turns": [{"i": t["index"], "role": t["role"], "start": t["start"], "end": t["end"],
                   "emotion": t.get("emotion")} for t in view["turns"]],
        "violations": [{"rule": v["rule"], "start": v["start"], "end": v["end"],
                        "turn": v.get("turn"), "severity": v.get("severity")}
                       for v in view["violations"]],
    }


def _set_cookie(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE_S, httponly=True, samesite="lax",
                        path="/", secure=secure)


def _safe_next(target: str) -> str:
    """Only same-site relative targets after login (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/qa"


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None
