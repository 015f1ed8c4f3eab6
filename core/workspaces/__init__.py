"""Workspaces and what they hold besides scripts: ideas, the style preset and music."""
