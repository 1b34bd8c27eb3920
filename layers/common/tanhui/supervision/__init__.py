"""Supervision (监管): the operators' action log and what a regulator reads."""
