"""Stored facts and before/after changes read as labelled values and sentences, never raw keys."""

from types import SimpleNamespace

from django.template import Context, Template

from finops.core.templatetags.diffs import change_sentences
from finops.core.templatetags.facts import field_label


def render(source: str, **context: object) -> str:
    return Template("{% load finops %}" + source).render(Context(context))


def test_field_labels_are_words_never_the_raw_key():
    assert field_label("total_credits") == "Credits"
    assert field_label("end_to_end_id") == "End-to-end id"
    assert field_label("failure streak") == "Failure streak"
    assert field_label("some_new_key") == "Some new key"


def test_facts_label_each_key_and_format_money_dates_counts_and_maps():
    detail = {
        "total_credits": "29271.36",
        "statement_on": "2026-11-20",
        "failure streak": 3,
        "credits": {"GBP": "10", "EUR": "1405.31"},
        "unknown_references": ["INV-1", "INV-2"],
        "original_state": "partly_paid",
        "is_held": False,
    }

    html = render('<dl>{% facts d currency="GBP" %}</dl>', d=detail)

    assert '<dt>Credits</dt><dd><span class="money">29,271.36 GBP</span></dd>' in html
    assert '<dt>Statement date</dt><dd><time class="date" datetime="2026-11-20">2026-11-20</time></dd>' in html
    assert "<dt>Failure streak</dt><dd>3</dd>" in html
    assert '<span class="money">1,405.31 EUR</span> · <span class="money">10.00 GBP</span>' in html
    assert "<dt>Unknown references</dt><dd>INV-1, INV-2</dd>" in html
    assert "<dt>State of the original</dt><dd>Partly paid</dd>" in html
    assert "<dt>Is held</dt><dd>no</dd>" in html
    assert "total_credits" not in html
    assert "{" not in html


def test_facts_leave_out_the_keys_a_sentence_already_said_and_fold_long_text():
    html = render(
        '{% facts d skip="statement, file" %}', d={"statement": "S-1", "file": "a.xml", "payload": "x\n" * 30}
    )

    assert "S-1" not in html
    assert "a.xml" not in html
    assert '<details class="long"><summary>Show (31 lines)</summary>' in html


def test_a_state_change_reads_as_a_sentence_with_the_records_own_state_labels():
    event = SimpleNamespace(
        before={"state": "pending_approval"},
        after={"state": "approved", "approvals": 2},
        object_type="payables.PaymentBatch",
    )

    html = render("{% change_diff e %}", e=event)

    assert html == (
        '<ul class="diff"><li>State changed from <b>Pending approval</b> to <b>Approved</b>.</li>'
        "<li>Approvals set to <b>2</b>.</li></ul>"
    )


def test_a_snapshot_lists_its_values_and_names_money_in_its_currency():
    sentences = list(change_sentences({}, {"amount": "4200", "currency": "EUR", "number": "INV-1"}))

    assert [str(s) for s in sentences] == [
        'Amount: <b><span class="money">4,200.00 EUR</span></b>.',
        "Currency: <b>EUR</b>.",
        "Number: <b>INV-1</b>.",
    ]


def test_removed_and_nested_changes_say_what_was_there_and_where():
    sentences = [
        str(s)
        for s in change_sentences(
            {"mapping": {"page_size": 100, "resource": "suppliers"}, "note": "x"},
            {"mapping": {"page_size": 250, "resource": "suppliers"}, "reason": "y"},
        )
    ]

    assert sentences == [
        "Mapping › Page size changed from <b>100</b> to <b>250</b>.",
        "Note cleared (was <b>x</b>).",
        "Reason set to <b>y</b>.",
    ]


def test_nothing_changed_renders_nothing():
    assert render("{% change_diff e %}", e=SimpleNamespace(before={"a": 1}, after={"a": 1}, object_type="")) == ""
