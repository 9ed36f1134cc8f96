"""Payment-gateway webhooks: payment.succeeded → a Remittance for the invoice it pays."""
