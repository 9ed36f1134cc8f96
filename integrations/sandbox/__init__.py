"""A simulated ERP, procurement suite, CRM, billing platform, payment gateway and bank that speak
real HTTP, for the demo and the tests. Standard library, lxml and schwifty only: no Django.

Start it with `python -m integrations.sandbox --port 8765`, or in a test with
`integrations.sandbox.testing.run_sandbox()`. The contract is API.md next to this file.
"""
