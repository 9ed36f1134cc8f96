"""What receivables registers at start-up (loaded by ReceivablesConfig.ready()): the collection
notes as a section of an invoice's page."""

from finops.invoicing.views import invoice_page_section_register
from finops.receivables.views import collection_notes_section

invoice_page_section_register("collection_notes", collection_notes_section)
