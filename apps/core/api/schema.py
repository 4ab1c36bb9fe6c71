"""OpenAPI post-processing: document the shared error body on every operation."""

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "The body of every 4xx response.",
    "properties": {
        "code": {"type": "string", "description": "Stable, machine-readable error code."},
        "detail": {"type": "string", "description": "Human-readable message, in the request's language."},
        "fields": {
            "type": "object",
            "additionalProperties": {},
            "description": "Input field name -> list of messages (validation errors).",
        },
    },
    "required": ["code", "detail", "fields"],
}
_DESCRIPTIONS = {
    "400": "Invalid input (see `fields`) or a broken business rule (see `code`).",
    "401": "Missing, invalid or expired credentials.",
    "403": "Authenticated, but not allowed.",
    "404": "Not found (or not yours).",
    "404-page": "Not found: a `page` past the end (or not a page number).",
    "429": "Too many requests; see the Retry-After header.",
}
_UNSAFE = {"post", "put", "patch", "delete"}


def _is_paginated(operation) -> bool:
    """A paginated list answers 404 for a page past the end (PageNumberPagination)."""
    return any(p.get("in") == "query" and p.get("name") == "page" for p in operation.get("parameters", []))


def add_error_responses(result, generator, request, public):
    """A drf-spectacular postprocessing hook; views still declare their own 409/422."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["429"]
            if method in _UNSAFE:
                codes.append("400")
            if any(requirement for requirement in operation.get("security", [])):
                codes += ["401", "403"]
            if "{" in path:
                codes.append("404")
            elif _is_paginated(operation):
                codes.append("404-page")
            for key in codes:
                code = key.split("-")[0]
                operation["responses"].setdefault(
                    code, {"description": _DESCRIPTIONS[key], "content": {"application/json": {"schema": ref}}}
                )
    return result
