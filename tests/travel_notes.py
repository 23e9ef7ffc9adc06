"""Twelve travel notes that the window tests import, map and edit."""

NOTES = [
    "A quiet beach with white sand and shallow water for the kids",
    "Snorkelling trip to the reef in the morning",
    "Ski slopes with fresh powder snow and a cosy chalet",
    "Museums, cafes and old streets to explore on foot",
    "Flights under 400 euros for the whole family",
    "Hotel under 90 euros a night with breakfast",
    "Hiking trail to a mountain lake with a picnic",
    "Kids' water park with slides and a lazy river",
    "Grandma cannot walk far: short distances only",
    "Food tour of the night market",
    "Car rental for a week with child seats",
    "Sunset boat cruise along the coast",
]
