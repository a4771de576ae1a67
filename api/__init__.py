"""Outermost layer: the command line and (later) the HTTP service. Nothing imports from here."""
