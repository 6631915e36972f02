"""Sample group-chat data: schema, loading and validation, generation, QQ exports."""

from shequn.data.load import DataError, Dataset, load_dataset, read_table, validate_file

__all__ = ["DataError", "Dataset", "load_dataset", "read_table", "validate_file"]
