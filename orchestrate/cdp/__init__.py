"""Treasure Data CDP (Audience Studio) API: client, records, rule canonicalisation."""
