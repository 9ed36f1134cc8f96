"""Procurement suite over REST (the sandbox's `procurement` system): suppliers, POs, receipts."""
