"""GET /healthz and the OpenAPI 3 document at /api/v1/openapi.json."""

from __future__ import annotations

import re

# Contract endpoints implemented so far: (method, OpenAPI path).
CONTRACT = [
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/current"),
    ("get", "/api/v1/rings/current"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/accounts"),
    ("get", "/api/v1/accounts/{account_id}"),
    ("patch", "/api/v1/accounts/{account_id}"),
    ("get", "/api/v1/accounts/{account_id}/entries"),
    ("post", "/api/v1/transfers"),
    ("get", "/api/v1/transfers"),
    ("get", "/api/v1/transfers/{transfer_id}"),
    ("post", "/api/v1/transfers/{transfer_id}/reverse"),
    ("get", "/api/v1/audit"),
]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def test_health_answers_ok_as_json(scene):
    response = scene.http.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == "application/json"
    assert response.json() == {"status": "ok"}


def test_openapi_document_is_served_without_login(scene):
    response = scene.http.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == "application/json"
    # an invalid token does not stand in the way of the documentation either
    assert scene.http.get("/api/v1/openapi.json", token="nonsense").status_code == 200


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def test_openapi_document_is_openapi_3_and_covers_the_contract(scene):
    spec = scene.http.get("/api/v1/openapi.json").json()
    assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"])
    assert spec["info"]["title"] and spec["info"]["version"]
    paths = spec["paths"]

    missing = [(m, p) for m, p in CONTRACT if m not in paths.get(p, {})]
    assert not missing, f"contract endpoints missing from the document: {missing}"

    for path, item in paths.items():
        assert path.startswith("/"), path
        params = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            if method not in METHODS:
                continue
            assert operation.get("responses"), (method, path)
            for status in operation["responses"]:
                assert status == "default" or re.fullmatch(r"[1-5]\d\d", status), status
            declared = {p["name"] for p in operation.get("parameters", []) + item.get(
                "parameters", []) if isinstance(p, dict) and p.get("in") == "path"}
            assert params <= declared, (method, path, params, declared)

    components = spec.get("components", {})
    for ref in set(refs(spec)):
        assert ref.startswith("#/"), ref
        node = spec
        for part in ref[2:].split("/"):
            assert part in node, f"dangling $ref {ref}"
            node = node[part]
    assert "bearer" in components.get("securitySchemes", {})


def test_every_api_route_of_the_app_is_documented(scene):
    spec = scene.http.get("/api/v1/openapi.json").json()
    documented = {(m, p) for p, item in spec["paths"].items() for m in item if m in METHODS}
    for rule in scene.app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method.lower(), path) in documented, (method, path)
