"""Quantities and counts, dates and moments: one way each."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import timezone


def render(source: str, **context: object) -> str:
    return Template("{% load finops %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("10.0000"), "10"),
        (Decimal("1250.5000"), "1,250.5"),
        (Decimal("0.12345"), "0.1234"),  # four places at most, half to even
        (12400, "12,400"),
        (Decimal("-3"), "\u22123"),
        ("7", "7"),
    ],
)
def test_quantity_groups_and_drops_trailing_zeros(value, shown):
    assert render("{{ q|quantity }}", q=value) == shown


def test_quantity_keeps_its_unit_on_the_same_line_and_is_blank_for_nothing():
    assert render('{{ q|quantity:"pcs" }}', q=Decimal("12")) == "12\u00a0pcs"
    assert render("{{ q|quantity }}", q=None) == ""


def test_day_is_an_iso_date_in_a_time_element_from_a_date_a_moment_or_stored_text():
    assert (
        render("{{ d|day }}", d=dt.date(2026, 11, 20)) == '<time class="date" datetime="2026-11-20">2026-11-20</time>'
    )
    assert render("{{ d|day }}", d="2026-11-20") == '<time class="date" datetime="2026-11-20">2026-11-20</time>'
    late = dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.UTC)
    assert 'datetime="2026-11-20"' in render("{{ d|day }}", d=late)


def test_when_names_the_zone_and_keeps_date_and_clock_each_on_one_line():
    moment = dt.datetime(2026, 11, 20, 14, 3, 5, tzinfo=dt.UTC)

    html = render("{{ m|when }}|{{ m|when:'s' }}", m=moment)

    element = '<time class="when" datetime="2026-11-20T14:03:05+00:00">'
    assert html == (
        f"{element}<span>2026-11-20</span> <span>14:03 UTC</span></time>|"
        f"{element}<span>2026-11-20</span> <span>14:03:05 UTC</span></time>"
    )


@override_settings(TIME_ZONE="Europe/Berlin")
def test_when_shows_every_moment_in_the_sites_zone_and_says_which():
    with timezone.override("Europe/Berlin"):
        html = render("{{ m|when }}", m=dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.UTC))

    assert "<span>2026-11-21</span> <span>00:30 CET</span>" in html


def test_when_reads_stored_iso_text_and_treats_a_naive_moment_as_utc():
    assert "<span>14:03 UTC</span>" in render("{{ m|when }}", m="2026-11-20T14:03:00")
    assert render("{{ m|when }}", m=None) == ""


def test_ago_says_how_long_ago_with_the_exact_moment_as_its_title():
    html = render("{{ m|ago }}", m=timezone.now() - dt.timedelta(hours=3))

    assert "3\u00a0hours ago</time>" in html
    assert 'title="' in html
    assert ' UTC"' in html
