"""The demo back office: an Open311 GeoReport v2 server standing in for the council's CRM.

It serves the council's catalogue (`data/council/open311_services.json`),
validates requests as the spec says, keeps them in its own database, and lets
staff move a case through statuses from the command line.
"""
