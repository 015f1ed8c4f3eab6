"""Faceless Studio service layer: use cases, rules and providers (no Streamlit)."""
