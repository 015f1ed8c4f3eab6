"""Shared Streamlit helpers: cached services, session keys, small components."""
