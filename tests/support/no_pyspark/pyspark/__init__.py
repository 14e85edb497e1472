"""Put `tests/support/no_pyspark` first on PYTHONPATH to make `import pyspark` fail as if
pyspark were not installed (for the driver's "no_pyspark" checks)."""

raise ModuleNotFoundError("No module named 'pyspark'", name="pyspark")
