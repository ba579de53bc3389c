"""Exports of a space for its moderators: the digest (Markdown, DOCX, CSV, JSON) and the
background jobs that make big Word documents."""
