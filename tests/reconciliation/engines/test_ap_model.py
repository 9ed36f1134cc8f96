"""The AP engines' policy and shared helpers."""

from __future__ import annotations

import gc
from decimal import Decimal

import pytest

from reconciliation.engines.ap_model import ApPolicy, cyclic_gc_paused, money, plain


def test_the_rule_version_names_the_engine_and_every_figure_of_the_policy() -> None:
    policy = ApPolicy(
        price_tolerance_pct=Decimal("2.5"),
        price_tolerance_amount=Decimal("50.00"),
        quantity_tolerance_pct=Decimal(0),
        duplicate_window_days=10,
        auto_approve_matched=True,
    )

    assert policy.rule_version == "ap-match/1 price 2.5% cap 50 qty 0% window 10d auto on"
    assert ApPolicy().rule_version == "ap-match/1 price 1% cap none qty 0% window 7d auto off"


@pytest.mark.parametrize(
    "bad",
    [
        {"price_tolerance_pct": Decimal(-1)},
        {"quantity_tolerance_pct": Decimal("-0.1")},
        {"price_tolerance_amount": Decimal(-5)},
        {"duplicate_window_days": -1},
    ],
)
def test_a_policy_with_a_negative_tolerance_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="negative"):
        ApPolicy(**bad)  # type: ignore[arg-type]


def test_figures_read_as_a_person_writes_them() -> None:
    assert plain(Decimal("1250.5000")) == "1,250.5"
    assert plain(Decimal("10.0000")) == "10"
    assert money(Decimal("1190.0000"), "EUR") == "EUR 1,190.00"
    assert money(Decimal("0.3333")) == "0.3333"


def _failing_engine() -> None:
    with cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("engine failed")


def test_the_collector_is_switched_back_on_when_an_engine_raises() -> None:
    assert gc.isenabled()

    with pytest.raises(RuntimeError, match="engine failed"):
        _failing_engine()

    assert gc.isenabled()


def test_the_collector_stays_off_when_the_caller_had_switched_it_off() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
