"""Group-chat data: schema, loading and validation, type conversion, generation, chat-export import.

The chat-export importers are in ``importers``.

The public entry point: import from ``shequn.data``; the submodules are its parts.
"""

from shequn.data.convert import as_typed
from shequn.data.errors import DataError
from shequn.data.load import Dataset, load_dataset, read_table
from shequn.data.streaming import validate_file

__all__ = ["DataError", "Dataset", "as_typed", "load_dataset", "read_table", "validate_file"]
