"""Providers: one small interface per role, one module per vendor, offline fallbacks."""
