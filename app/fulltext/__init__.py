"""Full-text search, the parts that need no feature: words, queries, highlights, indexes.

The search feature (app/search) asks questions with these; the database keeps its index
current by itself (triggers), with the SQL function `app.fulltext.sqlite` registers.
"""
