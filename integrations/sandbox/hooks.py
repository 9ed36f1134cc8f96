"""The test hooks under /_sandbox: health, reset, faults, the request log, webhook
subscriptions and emits, and direct reads and writes of any record. No token needed."""

from __future__ import annotations

import base64
import binascii
import copy
from typing import Any

import asyncssh

from integrations.sandbox import bank, webhooks
from integrations.sandbox.exchange import FieldError, HttpError, Request, Response, json_body, json_response
from integrations.sandbox.routing import Route, route
from integrations.sandbox.state import CONTROLLED_FIELDS, ID_PREFIXES, POSTED, RESOURCES, TEMPLATES, SandboxState
from integrations.sandbox.statement_files import StatementBox
from integrations.sandbox.validation import money, text

MONEY_FIELDS = ("amount", "open_amount")
SYSTEMS = "erp|procurement|crm|bank"
WEBHOOK_SYSTEMS = "billing|gateway"


def health(state: SandboxState, request: Request) -> Response:
    return json_response(200, {"status": "ok"})


def reset(state: SandboxState, request: Request) -> Response:
    state.reset()
    return json_response(200, {"status": "reset"})


def arm_fault(state: SandboxState, request: Request) -> Response:
    return json_response(201, state.faults.arm(json_body(request)).as_json())


def list_faults(state: SandboxState, request: Request) -> Response:
    return json_response(200, state.faults.listing())


def clear_faults(state: SandboxState, request: Request) -> Response:
    state.faults.clear()
    return json_response(200, [])


def list_requests(state: SandboxState, request: Request) -> Response:
    prefix = request.query.get("path_prefix", "")
    with state.lock:
        entries = [copy.deepcopy(e) for e in state.requests if e["path"].startswith(prefix)]
    return json_response(200, entries)


def clear_requests(state: SandboxState, request: Request) -> Response:
    with state.lock:
        state.requests.clear()
    return json_response(200, [])


def list_records(state: SandboxState, request: Request) -> Response:
    system, resource = request.params["system"], request.params["resource"]
    with state.lock:
        if (system, resource) == ("bank", "transactions"):
            data: list[dict[str, Any]] = [
                {("account_number" if key in state.number_accounts else "iban"): key, **t}
                for key, transactions in state.transactions.items()
                for t in transactions
            ]
        elif (system, resource) == ("bank", "accounts"):
            data = [*state.bank_accounts.values(), *state.number_accounts.values()]
        elif (system, resource) == ("bank", "payments"):
            data = [{k: v for k, v in p.items() if k != "ready_at"} for p in state.payments.values()]
        else:
            collection = RESOURCES.get((system, resource)) or POSTED.get((system, resource))
            if collection is None:
                raise HttpError(404, f"no resource {resource} in {system}")
            data = sorted(state.collections[collection].all(), key=lambda r: (r["updated_at"], r["id"]))
        return json_response(200, copy.deepcopy(data))


def upsert_record(state: SandboxState, request: Request) -> Response:
    """Create or update one record: with the id of an existing record its fields are changed
    (version + 1, updated_at now); otherwise a record is created (version 1)."""
    system, resource = request.params["system"], request.params["resource"]
    body = json_body(request)
    if (system, resource) == ("bank", "transactions"):
        with state.lock:
            return json_response(201, bank.add_transaction(state, body))
    if (system, resource) == ("bank", "rejections"):
        with state.lock:
            return json_response(201, bank.refuse_account(state, body))
    if (system, resource) == ("bank", "accounts"):
        with state.lock:
            account, is_new = bank.add_account(state, body)
            return json_response(201 if is_new else 200, copy.deepcopy(account))
    collection = RESOURCES.get((system, resource))
    if collection is None:
        raise HttpError(404, f"no resource {resource} in {system} that can be written here")
    record_id = body.get("id")
    if record_id is not None and (not isinstance(record_id, str) or not record_id.strip()):
        raise FieldError("id", "id must be a non-empty string")
    for field in MONEY_FIELDS:
        if field in body:
            money(body, field, allow_negative=True)
    with state.lock:
        store = state.collections[collection]
        existing = store.get(record_id) if record_id else None
        if existing is not None:
            return json_response(200, copy.deepcopy(store.change(existing, body, state.stamp())))
        record: dict[str, Any] = {
            "id": record_id or state.mint(ID_PREFIXES[collection]),
            "version": 1,
            "updated_at": state.stamp(),
        }
        for field, default in TEMPLATES[collection].items():
            record[field] = body.get(field, copy.deepcopy(default))
        if collection == "invoices" and "open_amount" not in body:
            record["open_amount"] = record["amount"]  # a new invoice is open in full
        record.update({k: v for k, v in body.items() if k not in record and k not in CONTROLLED_FIELDS})
        return json_response(201, copy.deepcopy(store.add(record)))


def _box(state: SandboxState) -> StatementBox:
    if state.statement_box is None or state.sftp_info is None:
        raise HttpError(409, "this sandbox runs no SFTP server (start it with --sftp-port)")
    return state.statement_box


def sftp_info(state: SandboxState) -> dict[str, Any]:
    box = _box(state)
    folders = sorted(p.name for p in box.root.iterdir() if p.is_dir())
    return {**(state.sftp_info or {}), "folders": [f"/{name}" for name in folders]}


def sftp_describe(state: SandboxState, request: Request) -> Response:
    _box(state).drop_statements(state)
    return json_response(200, sftp_info(state))


def sftp_files(state: SandboxState, request: Request) -> Response:
    box = _box(state)
    box.drop_statements(state)
    prefix = request.query.get("path_prefix", "/")
    return json_response(200, [f.as_json() for f in box.listing(prefix)])


def sftp_put_file(state: SandboxState, request: Request) -> Response:
    """Place a file in the SFTP tree: {path, content (text) | content_base64, age_seconds?}."""
    box = _box(state)
    body = json_body(request)
    path = text(body, "path", max_length=500)
    if isinstance(body.get("content_base64"), str):
        try:
            data = base64.b64decode(body["content_base64"], validate=True)
        except binascii.Error as exc:
            raise FieldError("content_base64", "content_base64 is not base64") from exc
    elif isinstance(body.get("content"), str):
        data = body["content"].encode()
    else:
        raise FieldError("content", "give content (text) or content_base64")
    age = body.get("age_seconds", 0)
    if isinstance(age, bool) or not isinstance(age, int | float) or not 0 <= age <= 10 * 365 * 86400:
        raise FieldError("age_seconds", "age_seconds must be a number of seconds, 0 or more")
    try:
        placed = box.put(path, data, age_seconds=float(age))
    except ValueError as exc:
        raise FieldError("path", str(exc)) from exc
    return json_response(201, placed.as_json())


def sftp_authorize_key(state: SandboxState, request: Request) -> Response:
    """Accept logins with a public key: {public_key: "ssh-ed25519 AAAA… comment"}."""
    _box(state)
    public_key = text(json_body(request), "public_key", max_length=16_000)
    try:
        key = asyncssh.import_public_key(public_key)
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise FieldError("public_key", f"not an OpenSSH public key ({exc})") from exc
    with state.lock:
        state.sftp_authorized_keys.append(public_key)
    return json_response(201, {"fingerprint": key.get_fingerprint("sha256")})


ROUTES: tuple[Route, ...] = tuple(
    route(method, path, handler, is_business=False)
    for method, path, handler in (
        ("GET", "/_sandbox/health", health),
        ("POST", "/_sandbox/reset", reset),
        ("POST", "/_sandbox/faults", arm_fault),
        ("GET", "/_sandbox/faults", list_faults),
        ("DELETE", "/_sandbox/faults", clear_faults),
        ("GET", "/_sandbox/requests", list_requests),
        ("DELETE", "/_sandbox/requests", clear_requests),
        ("POST", f"/_sandbox/{{system:{WEBHOOK_SYSTEMS}}}/subscriptions", webhooks.subscribe),
        ("DELETE", f"/_sandbox/{{system:{WEBHOOK_SYSTEMS}}}/subscriptions", webhooks.unsubscribe),
        ("POST", f"/_sandbox/{{system:{WEBHOOK_SYSTEMS}}}/emit", webhooks.emit),
        ("GET", f"/_sandbox/{{system:{SYSTEMS}}}/{{resource}}", list_records),
        ("POST", f"/_sandbox/{{system:{SYSTEMS}}}/{{resource}}", upsert_record),
        ("GET", "/_sandbox/sftp", sftp_describe),
        ("GET", "/_sandbox/sftp/files", sftp_files),
        ("POST", "/_sandbox/sftp/files", sftp_put_file),
        ("POST", "/_sandbox/sftp/authorized_keys", sftp_authorize_key),
    )
)
