"""Sources: read raw records from a saved cursor; they know nothing of parsing or storage."""
