"""Money on screen: grouping, the currency's minor units, the code, one style for negatives."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from finops.core.templatetags.money import parse_money


def render(source: str, **context: object) -> str:
    return Template("{% load finops %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("1234.5"), "EUR", '<span class="money">1,234.50 EUR</span>'),
        (Decimal("1234567.891"), "GBP", '<span class="money">1,234,567.89 GBP</span>'),
        (Decimal("1234.5"), "JPY", '<span class="money">1,234 JPY</span>'),  # no minor units, half to even
        (Decimal("12.3456"), "KWD", '<span class="money">12.346 KWD</span>'),  # three minor units
        (Decimal("-18.40"), "GBP", '<span class="money neg">\u221218.40 GBP</span>'),
        (Decimal("-0.001"), "EUR", '<span class="money">0.00 EUR</span>'),  # rounds to zero: no sign
        (0, "USD", '<span class="money">0.00 USD</span>'),
    ],
)
def test_money_groups_rounds_to_minor_units_and_signs_negatives(amount, currency, shown):
    assert render("{{ a|money:c }}", a=amount, c=currency) == shown


def test_money_reads_the_amounts_stored_in_json_details_and_summaries():
    # a detail may hold the bare decimal, or the figure with its currency, as the importers wrote them
    assert render('{{ a|money:"GBP" }}', a="197132.75") == '<span class="money">197,132.75 GBP</span>'
    assert render("{{ a|money }}", a="226385.71 GBP") == '<span class="money">226,385.71 GBP</span>'
    assert render("{{ a|money }}", a="-1,405.3 EUR") == '<span class="money neg">\u22121,405.30 EUR</span>'


def test_money_is_blank_for_nothing_so_a_default_can_say_so():
    assert render('{{ a|money:"EUR"|default:"not given" }}', a=None) == "not given"


def test_money_shows_text_that_is_not_an_amount_as_it_is_escaped():
    assert render('{{ a|money:"EUR" }}', a="<b>n/a</b>") == "&lt;b&gt;n/a&lt;/b&gt;"


def test_amount_is_the_same_figure_without_the_code():
    assert render('{{ a|amount:"JPY" }}', a=Decimal("-1500.4")) == '<span class="money neg">\u22121,500</span>'


def test_money_totals_lists_each_currency_in_code_order():
    html = render("{% money_totals t %}", t={"GBP": "20", "EUR": "1405.31"})

    assert html == '<span class="money">1,405.31 EUR</span> · <span class="money">20.00 GBP</span>'
    assert render("{% money_totals t %}", t={}) == '<span class="muted">none</span>'


def test_as_decimal_absolute_and_negated_let_a_template_compare_and_sign():
    html = render(
        "{% with d=x|as_decimal %}{% if d > 0 %}short{% else %}over{% endif %} {{ d|absolute|money:'GBP' }}"
        " {{ y|negated|money:'GBP' }}{% endwith %}",
        x="18.40",
        y=Decimal("5"),
    )

    assert html == 'short <span class="money">18.40 GBP</span> <span class="money neg">\u22125.00 GBP</span>'


@pytest.mark.parametrize("text", ["NaN", "1e3", "twelve", "", "1.2.3", True])
def test_parse_money_refuses_what_is_not_an_amount(text):
    assert parse_money(text) is None
