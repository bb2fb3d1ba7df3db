"""The web front end: the JSON API under ``/api`` and the server-rendered console pages."""
