"""What matching registers at start-up (loaded by MatchingConfig.ready()): the kinds it runs, and
the events after which it runs them (reconciliation.matching.triggers)."""

from finops.invoicing.events import ApInvoiceDecided
from finops.masterdata.events import RecordsImported
from finops.outbox.events import event_subscribe
from reconciliation.matching.runs import match_kind_register
from reconciliation.matching.three_way.service import THREE_WAY
from reconciliation.matching.triggers import three_way_after_decision, three_way_after_import

match_kind_register(THREE_WAY)
event_subscribe(RecordsImported, three_way_after_import)
event_subscribe(ApInvoiceDecided, three_way_after_decision)
