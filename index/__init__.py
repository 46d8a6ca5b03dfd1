"""Ingestion: parse, chunk, embed and store articles."""
