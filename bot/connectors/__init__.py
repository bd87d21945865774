"""Back-office connectors: one module per kind of back-office system, one interface.

The assistant files reports through `Connector`; adding Confirm, Whitespace or
a council's own CRM means adding one module here and naming it in
`data/council/backoffice.yml`.
"""
