"""What /openapi.json tells integrators: readable operation ids (`search_calls`, `get_call`)
instead of FastAPI's generated ones, and every error as an RFC 7807 problem
(`hotline.web.problems`). The Bearer scheme comes from the `api_principal` dependency."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from hotline.web.problems import PROBLEM_JSON

# handler name -> operation id (the others: the handler's name without "api_")
OPERATION_IDS = {
    "api_me": "get_me",
    "api_review": "get_review",
    "api_review_change": "change_review",
    "api_audit": "list_audit",
    "api_search": "search_calls",
    "api_call": "get_call",
    "api_audio": "get_call_audio",
    "api_similar": "similar_calls",
    "api_calls": "list_calls",
    "get_facts": "get_live_facts",
    "post_facts": "load_live_facts",
    "assist": "suggest",
}
PROBLEM = {
    "type": "object", "title": "Problem", "description": "RFC 7807 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "about:blank: the status says it all"},
        "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what went wrong, for a person"},
        "instance": {"type": "string", "description": "the request path"},
        "errors": {"type": "array", "description": "422: one per bad field",
                   "items": {"type": "object", "properties": {
                       "field": {"type": "string"}, "in": {"type": "string"},
                       "message": {"type": "string"}, "type": {"type": "string"}}}}}}


def operation_id(route: APIRoute) -> str:
    """`generate_unique_id_function` of the app (ids must stay unique: a test checks)."""
    return OPERATION_IDS.get(route.name, route.name.removeprefix("api_"))


def install(app: FastAPI) -> None:
    """Replace app.openapi: errors documented as problem+json, built once."""

    def schema() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description,
                          routes=app.routes)
        doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
        for ops in doc["paths"].values():
            for op in ops.values():
                _problem_responses(op)
        for unused in ("HTTPValidationError", "ValidationError"):   # replaced by Problem
            doc["components"]["schemas"].pop(unused, None)
        app.openapi_schema = doc
        return doc

    app.openapi = schema  # type: ignore[method-assign]


def _problem_responses(op: dict[str, Any]) -> None:
    """Every error an operation can answer, as application/problem+json."""
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    responses = op.setdefault("responses", {})
    if op.get("security"):
        responses.setdefault("401", {"description": "missing, invalid or expired token"})
    if op.get("parameters") or op.get("requestBody"):
        responses["422"] = {"description": "invalid parameters (one `errors` entry per field)"}
    responses.setdefault("500", {"description": "internal error"})
    for code, response in responses.items():
        if code[0] in "45":
            response["content"] = content
