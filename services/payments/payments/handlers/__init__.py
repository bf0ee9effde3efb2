"""Lambda entry points. Each module imports almost nothing until its first invocation, so a
cold start pays only for what that function uses (measured by bench/cold_start.py)."""
