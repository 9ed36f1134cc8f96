"""CRM over REST (the sandbox's `crm` system): accounts in as customers; activities out."""
