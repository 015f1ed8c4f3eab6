"""Accounts: users and sign-in (throttled), who may register (invitations), and the API
keys users store (encrypted)."""
