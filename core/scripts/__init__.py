"""Scripts: their content, versions, writing by an LLM, translation and finalizing."""
