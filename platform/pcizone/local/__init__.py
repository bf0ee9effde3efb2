"""The local cloud: everything `pcizone up --local` runs on one machine without AWS.

`pcizone.local.postgres` runs real PostgreSQL servers (the stand-in for Aurora) for the local
cloud, the test suite and the disaster-recovery drills.
"""
