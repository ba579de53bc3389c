"""What moderators download of a space: its digest, and the background jobs that make
big documents.

- `digest/`: every published comment of a space (or of one question), grouped and
  threaded, as Markdown, DOCX, CSV or JSON;
- `jobs`: documents too slow to make while a browser waits (big digests, and every note
  draft's DOCX, which app/drafts/files.py starts here);
- `routes`: the digest page, its downloads and the job pages.

Two other things are called exports elsewhere: a note draft's Markdown and DOCX
(app/drafts/files.py), and the interchange file that moves a whole space between sites
(app/interchange/dump.py, for administrators, everything included).
"""
