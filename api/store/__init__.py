"""SQLite persistence through sqlite-utils. All SQL of the project lives in this package."""
