"""Run the real Pulumi program in-process under the SDK mock runtime; record what it declares."""
