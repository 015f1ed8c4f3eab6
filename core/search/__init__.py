"""Search across the user's ideas, workspaces and scripts (titles, descriptions, topics and
the narration of each script's current version), with a snippet around every match."""
