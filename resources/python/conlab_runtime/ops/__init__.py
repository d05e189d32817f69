"""Step handlers, one module per group of ops; ``step_table.load()`` imports every module here."""
