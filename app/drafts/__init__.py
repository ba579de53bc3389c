"""Note drafts of a space: templates, the line syntax of their sections, editing with
merges, states and history, and their exports (Markdown at once, DOCX as a background job)."""
