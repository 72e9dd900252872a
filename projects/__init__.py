"""Projects: the collaboration projects (協働事業) citizens browse, and the staff pages that keep them."""
