"""Ingestion: crawl government portals into a content-addressed raw archive."""
