"""What every concern shares: naming and tags, the stack context, providers, stack references."""
