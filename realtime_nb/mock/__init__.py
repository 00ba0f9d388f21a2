"""The mock Realtime server (placeholder while it is built)."""
