"""Mission 3's pages, one module per family: intake (the three doors), lists (the priority queue), request pages
(a request's page, edit, history, PDF), status changes, follow-up (steps, documents, financing, evaluation,
meetings); `common` holds what they share."""
