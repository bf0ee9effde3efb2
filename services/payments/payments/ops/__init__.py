"""Operator commands (run by people and by the drills, never by the Lambdas themselves)."""
