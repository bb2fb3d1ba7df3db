"""Drafts: the notification to the Autoriteit Persoonsgegevens and the letters to members.

Everything here is rendered from the incident's structured facts with Jinja2
templates (``templates/drafts/``). A fact that is unknown yet shows as an
explicit marker and is listed as an open question; a draft is never silently
blank. Each rendered draft is stored as a numbered version and recorded in the
audit trail; an approved version is frozen. Sentinel drafts, people send.
"""
