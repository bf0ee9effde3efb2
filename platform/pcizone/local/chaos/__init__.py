"""The reliability suite's library: fault injectors, the chaos and load harness, reconciliation.

`bench/chaos.py`, `bench/load.py` and `tests/reliability/` drive the real payments handlers in
the local runtime (HTTP API -> SQS -> worker -> ledger) against moto and a real PostgreSQL.
"""
