"""Digits other than ASCII 0-9 ("²", "١٢٣") pass str.isdigit() but not int() or float(): wherever
a number is read from outside, they are refused like any other non-number, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from finops.masterdata.validators import aba_check_digit_ok
from integrations.retry import retry_after_seconds
from integrations.signing import signature_header, signature_valid


@pytest.mark.parametrize("value", ["²", "١٢٣", "12²"])
def test_a_retry_after_in_other_digits_is_ignored(value):
    assert retry_after_seconds(value) is None


def test_an_aba_routing_number_in_other_digits_is_invalid():
    assert not aba_check_digit_ok("02100002²")
    assert not aba_check_digit_ok("٠٢١٠٠٠٠٢١")


def test_an_outbound_signature_with_odd_characters_does_not_verify():
    header = signature_header("secret", b"{}", 1_700_000_000)

    assert not signature_valid("t=²," + header.split(",", 1)[1], b"{}", ["secret"], now=1_700_000_000)
    assert not signature_valid("t=1700000000,v1=é", b"{}", ["secret"], now=1_700_000_000)


@pytest.mark.parametrize("record_id", ["²", "99999999999999999999"])
def test_the_trace_search_refuses_a_record_id_in_other_digits_or_out_of_range(client, admin_de, record_id):
    client.force_login(admin_de)

    response = client.get(reverse("outbox:trace-search"), {"record_type": "payables.Payment", "record_id": record_id})

    assert response.status_code == 422
    assert "No such record in your entities." in response.content.decode()
