"""Instructor Map: semantic maps of notes that follow the task you type."""

__version__ = "0.1.0"
