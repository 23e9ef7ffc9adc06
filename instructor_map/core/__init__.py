"""The Qt-free core: documents, imports, embeddings, layouts, project files."""
