"""Ingestion, segmentation, features and evaluation: from a document to findings."""
