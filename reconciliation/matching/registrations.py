"""What matching registers at start-up (loaded by MatchingConfig.ready()): the kinds it runs."""

from reconciliation.matching.runs import match_kind_register
from reconciliation.matching.three_way.service import THREE_WAY

match_kind_register(THREE_WAY)
