"""The synthesis workbench: themes, representative passages, near-duplicates, objective
suggestions and the "unheard" check, computed offline from comment embeddings."""
