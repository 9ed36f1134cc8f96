"""Bank over its API: balances and booked transactions in (as daily statements); payments out."""
