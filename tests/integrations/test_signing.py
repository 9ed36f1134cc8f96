"""Webhook signature verification: HMAC-SHA256 over f"{t}.{body}", every v1 entry against every
secret we hold, a tolerance window against replays."""

import pytest

from integrations.signing import SignatureError, sign, signature_header, signature_valid, signature_verify

BODY = b'{"id":"evt_1","type":"invoice.issued"}'
NOW = 1_790_000_000


def test_a_signature_with_the_current_secret_passes_and_returns_its_timestamp():
    header = signature_header(["current"], BODY, NOW)

    assert signature_verify(header, BODY, ["current", "previous"], now=NOW + 5, tolerance=300) == NOW


@pytest.mark.parametrize("signed_with", [["previous"], ["previous", "current"], ["unknown", "current"]])
def test_during_rotation_any_v1_matching_any_secret_passes(signed_with):
    header = signature_header(signed_with, BODY, NOW)

    assert signature_verify(header, BODY, ["current", "previous"], now=NOW, tolerance=300) == NOW


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("", "missing signature header"),
        ("v1=abc", "malformed signature header"),
        ("t=abc,v1=abc", "malformed signature header"),
        (f"t={NOW}", "malformed signature header"),
        (f"t={NOW},v1={sign('attacker', BODY, NOW)}", "forged signature"),
        (f"t={NOW},v1={sign('current', BODY + b' ', NOW)}", "forged signature"),
        (f"t={NOW - 301},v1={sign('current', BODY, NOW - 301)}", "stale timestamp"),
        (f"t={NOW + 301},v1={sign('current', BODY, NOW + 301)}", "stale timestamp"),
    ],
)
def test_forged_malformed_and_stale_signatures_are_refused(header, reason):
    with pytest.raises(SignatureError) as refused:
        signature_verify(header, BODY, ["current", ""], now=NOW, tolerance=300)

    assert refused.value.reason == reason


def test_the_tolerance_is_the_connectors_own():
    header = signature_header(["current"], BODY, NOW - 20)

    with pytest.raises(SignatureError, match="stale"):
        signature_verify(header, BODY, ["current"], now=NOW, tolerance=10)


def test_what_we_send_verifies_with_its_secret_only_and_within_the_default_tolerance():
    header = signature_header("secret-a", BODY, 1_700_000_000)

    assert signature_valid(header, BODY, ["secret-a"], now=1_700_000_100)
    assert not signature_valid(header, BODY, ["secret-b"], now=1_700_000_100)
    assert not signature_valid(header, BODY + b" ", ["secret-a"], now=1_700_000_100)
    assert not signature_valid(header, BODY, ["secret-a"], now=1_700_000_301)


def test_during_rotation_any_v1_entry_may_match():
    old, new = sign("old-secret", BODY, 1_700_000_000), sign("new-secret", BODY, 1_700_000_000)
    header = f"t=1700000000,v1={old},v1={new}"

    assert signature_valid(header, BODY, ["new-secret"], now=1_700_000_000)
    assert signature_valid(header, BODY, ["old-secret"], now=1_700_000_000)
    assert not signature_valid(header, BODY, ["other"], now=1_700_000_000)
    assert not signature_valid(f"v1={new}", BODY, ["new-secret"], now=1_700_000_000)  # no timestamp
