"""Getting started and staying healthy: `segment-analytics doctor`, `segment-analytics init`, and
source freshness (the thresholds, the landing and behaviour checks, the after-run report)."""
