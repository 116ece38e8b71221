"""The daily QA report as JSON for integrators: `GET /api/v1/report?date=` answers exactly
what `hotline report --date D --json` prints (same builder, same intent names).

QA, supervisor and admin tokens only: the report names every agent and lists call ids of all
agents. Audited."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Query

from hotline.report.daily import build_report, latest_day, to_json
from hotline.report.intents import intent_names
from hotline.web.deps import Caller, ServicesDep, require
from hotline.web.versions import API_V1

router = APIRouter(prefix=API_V1, tags=["qa"])
READERS = ("qa", "supervisor", "admin")


@router.get("/report", operation_id="get_report")
async def api_report(svc: ServicesDep, who: Caller,
                     date: str | None = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$",
                                              description="YYYY-MM-DD; default: the latest "
                                                          "day with calls")) -> dict[str, Any]:
    """The day's numbers (SLAs, agent scorecards, trend); null = no data for that KPI."""
    require(who, READERS, "the daily report", svc.auth)
    day = date or await asyncio.to_thread(latest_day, svc.store)
    if day is None:
        raise HTTPException(404, "no calls stored yet; nothing to report")
    rep = await asyncio.to_thread(build_report, svc.store, day)
    svc.auth.audit(who, "report", query={"date": day}, detail=f"{rep.calls} calls")
    return to_json(rep, intent_names(svc.settings.knowledge_dir))
