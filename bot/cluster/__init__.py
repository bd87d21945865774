"""`make run-cluster`: the production topology on one machine, from Debian's packages.

PostgreSQL and Redis (started here unless `DATABASE_URL` / `REDIS_URL` point
elsewhere), HAProxy in front, two Rasa servers, two action servers, the web
app (also the model server), two outbox workers and the demo back office.
"""
