"""Records, loading and storage: the first stage of data → indexer → matching → api."""
