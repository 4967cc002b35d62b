"""Text utilities for the workbench (standard library only)."""
