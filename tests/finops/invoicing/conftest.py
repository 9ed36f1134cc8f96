import io

import pytest
from django.core.management import call_command

from tests.finops.masterdata.conftest import refused_import, run_import  # noqa: F401 - the import fixtures
from tests.reconciliation.matching.ap_world import ApWorld, ap_world


@pytest.fixture
def world(entity_de) -> ApWorld:  # type: ignore[no-untyped-def]
    """The AP world of tests/reconciliation/matching/ap_world.py after the entity's first 3-way match."""
    world = ap_world(entity_de)
    call_command("run_matching", "three_way", "--entity", "DE01", stdout=io.StringIO())
    return world
