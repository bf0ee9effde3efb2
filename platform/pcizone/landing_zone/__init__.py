"""The landing zone (org stack): organization, accounts, guardrails, trail and log archive."""
