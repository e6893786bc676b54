"""A faithful fake of the Treasure Data CDP API (and, via extra route modules, Insights)."""
