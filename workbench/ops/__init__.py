"""Data operations: each takes a Session first, may flush, never commits.

The caller (a view or a CLI command) commits once, so an operation happens
whole or not at all.
"""
