"""Scripted call scenarios: the scenario language, the call engine and its grading."""
