"""Incidents: the 72-hour clock, structured facts, risk assessment, playbooks and the register."""
