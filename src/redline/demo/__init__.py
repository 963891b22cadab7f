"""Demo data: the bundled chats and a generator for a month of shop exports."""
