"""indexer stage (see README for the data flow)."""
