"""The account baseline every stage stack applies to its own account, and its entry point."""
