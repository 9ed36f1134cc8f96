"""Bank files (camt, MT940, BAI2, CSV) are uploaded or dropped in an inbox; integrations.bankfiles
imports them. This kind only records where they come from."""
