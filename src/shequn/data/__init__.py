"""Group-chat data: schema, loading and validation, type conversion, generation, chat-export import (`importers`)."""

from shequn.data.convert import as_typed
from shequn.data.load import DataError, Dataset, load_dataset, read_table, validate_file

__all__ = ["DataError", "Dataset", "as_typed", "load_dataset", "read_table", "validate_file"]
