"""The rules, one module per AWS service (or concern); `registry` collects them in this order."""
