"""What bank files register at start-up (loaded by BankfilesConfig.ready()): their trace source."""

from integrations.bankfiles.trace_sources import inbound_file_items
from integrations.outbox.trace import trace_source_register

trace_source_register("bankfiles.inbound_files", inbound_file_items, replace=True)
