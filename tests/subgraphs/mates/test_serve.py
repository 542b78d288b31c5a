"""`python -m subgraphs.mates` serves the mates app alone, logging JSON lines."""

from __future__ import annotations

import json

import httpx

from shared.directus.runtime import DirectusServer
from subgraphs.mates.app import bundle
from tests.support.identity import internal_headers
from tests.support.servers import python_module_process


def test_mates_app_is_built_by_the_kit_without_skills() -> None:
    assert bundle.manifest.name == "mates"
    assert bundle.skills == ()
    assert bundle.package == "subgraphs.mates"


def test_python_m_subgraphs_mates_serves_graphql_health_and_metrics(
    platform_directus: DirectusServer,
) -> None:
    process = python_module_process("mates-alone", "subgraphs.mates")
    process.env["MATEWAY_LOG_LEVEL"] = "INFO"
    # Healthy only with its Directus.
    process.env["MATEWAY_DIRECTUS_URL"] = platform_directus.url
    process.env["MATEWAY_DIRECTUS_TOKEN"] = platform_directus.platform_token
    process.start(timeout=30, ready_path="/health")
    try:
        health = httpx.get(f"{process.url}/health", timeout=5)
        assert health.status_code == 200
        assert health.json()["service"] == "mates"
        query = {"query": "{ builtinMates { id } }"}
        response = httpx.post(
            f"{process.url}/graphql", json=query, headers=internal_headers(), timeout=5
        )
        mates = response.json()["data"]["builtinMates"]
        assert [mate["id"] for mate in mates] == ["builtin-sophia", "builtin-finn", "builtin-ada"]
        metrics = httpx.get(f"{process.url}/metrics", timeout=5)
        assert (
            'mateway_app_mates_requests_total{operation="POST /graphql",outcome="200"}'
            in metrics.text
        )
    finally:
        process.stop()
    lines = [line for line in process.log_path.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON, uvicorn's included
    assert {record["service_name"] for record in records} == {"mates"}
    assert any("Uvicorn running on" in record["message"] for record in records)
