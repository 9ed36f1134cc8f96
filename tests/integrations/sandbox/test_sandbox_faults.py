"""Each fault kind observably happens, as many times as asked, and then the sandbox behaves."""

from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any

import pytest

from integrations.sandbox.testing import HttpAnswer, http_call, run_sandbox

CUSTOMERS = "/erp/v1/customers?limit=5"


def arm(base: str, **fault: Any) -> dict[str, Any]:
    answer = http_call("POST", f"{base}/_sandbox/faults", json_body=fault, token=None)
    assert answer.status == 201, answer.body
    return dict(answer.json())


def get(base: str, path: str = CUSTOMERS, **kwargs: Any) -> HttpAnswer:
    return http_call("GET", base + path, **kwargs)


@pytest.mark.parametrize("kind", ["500", "503"])
def test_a_server_error_then_success(sandbox: str, kind: str) -> None:
    arm(sandbox, path_prefix="/erp", kind=kind)

    failed = get(sandbox)
    recovered = get(sandbox)

    assert failed.status == int(kind)
    assert "error" in failed.json()
    assert recovered.status == 200


def test_429_carries_retry_after_in_seconds(sandbox: str) -> None:
    arm(sandbox, path_prefix="/erp/v1/customers", kind="429", retry_after=7)

    limited = get(sandbox)

    assert limited.status == 429
    assert limited.headers["Retry-After"] == "7"
    assert get(sandbox).status == 200


def test_times_counts_down_and_other_paths_do_not_use_the_fault_up(sandbox: str) -> None:
    arm(sandbox, path_prefix="/erp/v1/customers", kind="500", times=2)

    other = get(sandbox, "/erp/v1/suppliers?limit=1")
    statuses = [get(sandbox).status for _ in range(3)]

    assert other.status == 200
    assert statuses == [500, 500, 200]
    assert http_call("GET", f"{sandbox}/_sandbox/faults", token=None).json() == []


def test_timeout_holds_the_request_past_the_clients_timeout(sandbox: str) -> None:
    arm(sandbox, path_prefix="/bank", kind="timeout")
    started = time.monotonic()

    with pytest.raises(TimeoutError):
        get(sandbox, "/bank/v1/accounts", timeout=0.3)

    assert time.monotonic() - started < 2
    assert get(sandbox, "/bank/v1/accounts").status == 200


def test_a_held_request_is_dropped_without_an_answer() -> None:
    with run_sandbox(timeout_hold_seconds=0.2) as base:
        arm(base, kind="timeout")

        with pytest.raises(http.client.RemoteDisconnected):
            get(base, timeout=5)


def test_shutdown_releases_a_held_request_at_once() -> None:
    outcome: list[object] = []

    def held_call(base: str) -> None:
        try:
            outcome.append(get(base, timeout=20))
        except OSError as exc:
            outcome.append(exc)

    with run_sandbox() as base:  # holds for 30 s
        arm(base, kind="timeout")
        client = threading.Thread(target=held_call, args=(base,))
        client.start()
        while not http_call("GET", f"{base}/_sandbox/requests", token=None).json():
            time.sleep(0.01)
        started = time.monotonic()
    stopped_after = time.monotonic() - started
    client.join(timeout=5)

    assert stopped_after < 2
    assert len(outcome) == 1
    assert isinstance(outcome[0], OSError)


def test_latency_delays_the_answer(sandbox: str) -> None:
    arm(sandbox, path_prefix="/crm", kind="latency", latency_ms=400)
    started = time.monotonic()

    answer = get(sandbox, "/crm/v1/accounts?limit=1")

    assert answer.status == 200
    assert time.monotonic() - started >= 0.35


def test_malformed_is_a_200_whose_body_is_not_json(sandbox: str) -> None:
    arm(sandbox, path_prefix="/erp", kind="malformed")

    answer = get(sandbox)

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        answer.json()


def test_a_duplicate_page_repeats_its_records(sandbox: str) -> None:
    normal = get(sandbox).json()["data"]

    doubled = get(sandbox, headers={"X-Sandbox-Fault": "duplicate"}).json()

    assert doubled["data"] == normal + normal
    assert get(sandbox).json()["data"] == normal


def test_an_out_of_order_page_serves_an_older_version_after_the_newer_one(sandbox: str) -> None:
    http_call("POST", f"{sandbox}/_sandbox/erp/customers", json_body={"id": "CUST-00005", "name": "New Name AG"})
    arm(sandbox, path_prefix="/erp/v1/customers", kind="out_of_order")

    page = get(sandbox, "/erp/v1/customers?limit=500").json()["data"]

    versions = [(r["version"], r["name"]) for r in page if r["id"] == "CUST-00005"]
    assert len(versions) == 2
    (newer_version, newer_name), (older_version, older_name) = versions
    assert older_version == newer_version - 1
    assert (newer_name, older_name != "New Name AG") == ("New Name AG", True)


def test_the_header_injects_a_fault_once_and_an_unknown_kind_is_422(sandbox: str) -> None:
    injected = get(sandbox, headers={"X-Sandbox-Fault": "503"})
    unknown = get(sandbox, headers={"X-Sandbox-Fault": "gremlins"})

    assert injected.status == 503
    assert unknown.status == 422
    assert get(sandbox).status == 200


def test_faults_come_before_the_token_check_and_leave_hooks_alone(sandbox: str) -> None:
    arm(sandbox, path_prefix="/", kind="500", times=5)

    no_token = get(sandbox, token=None)
    health = http_call("GET", f"{sandbox}/_sandbox/health", token=None)

    assert no_token.status == 500
    assert health.status == 200


def test_the_request_log_records_requests_and_their_faults(sandbox: str) -> None:
    arm(sandbox, path_prefix="/erp", kind="500")
    get(sandbox)
    http_call("POST", f"{sandbox}/crm/v1/activities", json_body={"x": 1}, headers={"Idempotency-Key": "k"})

    erp = http_call("GET", f"{sandbox}/_sandbox/requests?path_prefix=/erp", token=None).json()
    everything = http_call("GET", f"{sandbox}/_sandbox/requests", token=None).json()

    assert [(e["method"], e["path"], e["query"], e["status"], e["fault"]) for e in erp] == [
        ("GET", "/erp/v1/customers", "limit=5", 500, "500")
    ]
    assert erp[0]["headers"]["Authorization"] == "Bearer sandbox-token"
    assert everything[-1]["body"] == '{"x": 1}'
    assert everything[-1]["headers"]["Idempotency-Key"] == "k"


def test_the_request_log_keeps_only_the_latest_requests() -> None:
    with run_sandbox(request_log_size=3) as base:
        for n in range(5):
            get(base, f"/erp/v1/customers?limit={n + 1}")

        log = http_call("GET", f"{base}/_sandbox/requests", token=None).json()

    assert [e["query"] for e in log] == ["limit=3", "limit=4", "limit=5"]


def test_reset_clears_faults_and_restores_the_seeded_data(sandbox: str) -> None:
    original = get(sandbox, "/erp/v1/customers?limit=500").json()["data"]
    http_call("POST", f"{sandbox}/_sandbox/erp/customers", json_body={"id": "CUST-00001", "status": "blocked"})
    arm(sandbox, kind="503", times=100)

    http_call("POST", f"{sandbox}/_sandbox/reset", token=None)

    assert get(sandbox, "/erp/v1/customers?limit=500").json()["data"] == original
    assert http_call("DELETE", f"{sandbox}/_sandbox/faults", token=None).status == 200


def test_an_unknown_fault_kind_is_422(sandbox: str) -> None:
    answer = http_call("POST", f"{sandbox}/_sandbox/faults", json_body={"kind": "meteor"}, token=None)

    assert (answer.status, answer.json()["field"]) == (422, "kind")
