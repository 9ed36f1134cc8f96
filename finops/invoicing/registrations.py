"""What invoicing registers at start-up (loaded by InvoicingConfig.ready()): invoices and their
lines as kinds of import_records."""

from finops.invoicing import imports
from finops.masterdata.imports import Kind, records_kind_register

records_kind_register("invoices", Kind(imports.COLUMNS, imports.plan, imports.write))
records_kind_register("invoice_lines", Kind(imports.LINE_COLUMNS, imports.lines_plan, imports.lines_write))
