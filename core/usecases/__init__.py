"""Use cases: the cycle's steps and the flows, over the ports (docs/architecture.md)."""
