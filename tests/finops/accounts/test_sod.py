"""Segregation of duties, one rule: the maker is never the checker."""

from __future__ import annotations

import pytest

from finops.accounts.sod import SegregationOfDutiesError, require_not_maker
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_maker_or_submitter_is_refused_as_checker():
    maker, submitter = UserFactory(), UserFactory()

    for checker in (maker, submitter):
        with pytest.raises(SegregationOfDutiesError, match="another controller"):
            require_not_maker(checker, maker.pk, submitter.pk, message="Made by you; another controller decides.")


def test_another_person_may_check_and_a_system_made_record_collides_with_nobody():
    maker, checker = UserFactory(), UserFactory()

    require_not_maker(checker, maker.pk, message="x")
    require_not_maker(checker, None, message="x")
