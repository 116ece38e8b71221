"""QA search over stored calls: keyword/phrase (EN + ZH), filters, similar calls."""
