"""Parsers: one module per log format, each turning a raw record into flat ECS fields."""
