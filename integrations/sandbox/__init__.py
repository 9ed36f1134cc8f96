"""A simulated ERP, procurement suite, CRM, billing platform, payment gateway and bank that speak
real HTTP (and, for the bank's statement files, real SFTP), for the demo and the tests. Standard
library, lxml, schwifty and asyncssh only: no Django.

Start it with `python -m integrations.sandbox --port 8765 [--sftp-port 8722]`, or in a test with
`integrations.sandbox.testing.run_sandbox()` / `run_sandbox_sftp()`. The contract is API.md next
to this file.
"""
