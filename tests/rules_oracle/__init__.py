"""Independent test oracle for the rule compiler: evaluates rules over in-memory rows in plain
Python, written from the grammar's meaning (orchestrate/rules/README.md), not from the compiler."""

from tests.rules_oracle.dataset import Dataset, Table
from tests.rules_oracle.evaluator import evaluate

__all__ = ["Dataset", "Table", "evaluate"]
