"""Measure retrieval, citations and refusals on a question set (first version; see README)."""
