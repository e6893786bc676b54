"""Benchmarks: the project's dbt pipeline against the original package's query pattern and a bare scan.

`python -m bench.run [--size S|M|L]` (or `make bench SIZE=S`) generates data, times each contender in
its own subprocess, and writes bench/results.json and bench/results.md. See docs/benchmarks.md.
"""
