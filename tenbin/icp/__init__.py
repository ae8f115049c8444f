"""ICP: rule language, discovery, evidence, versions, new-ICP candidates."""
