"""Treasure Insights: the reporting API client used by `segment-analytics publish`."""
