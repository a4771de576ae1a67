"""matching stage (see README for the data flow)."""
