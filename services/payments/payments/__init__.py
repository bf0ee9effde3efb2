"""The payments service: the code the API, worker and DLQ auditor Lambdas run.

Handlers live in `payments.handlers`; each module there is cheap to import (cold starts).
"""
