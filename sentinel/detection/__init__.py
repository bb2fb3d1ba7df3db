"""Detection: rules (Sigma plus the sentinel: key), their compilation, and the engine."""
