"""UI-free use cases of the counter and the supervisor's desk (no Qt): what the window and the CLI call."""
