"""What invoicing registers at start-up (loaded by InvoicingConfig.ready()): invoices as a kind of
import_records."""

from finops.invoicing import imports
from finops.masterdata.imports import Kind, records_kind_register

records_kind_register("invoices", Kind(imports.COLUMNS, imports.plan, imports.write))
