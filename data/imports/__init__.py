"""Importing the files people have (CNIPA / incoPat / PatSnap exports, spreadsheets, JSONL)."""
