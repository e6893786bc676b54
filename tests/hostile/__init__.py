"""Hostile-input suite: real-world bad data, faults and kills, end to end."""
