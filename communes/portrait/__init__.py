"""A commune's food-system portrait from open data (issue 27): sources, snapshots, figures, refresh.

- `http`: the one HTTP client (timeouts, retries, each source's rate limit).
- `registry` and `sources/`: one small adapter per public source, registered by key.
- `models`: snapshots (one per answer, dated, hashed, raw answer kept) and their typed figures.
- `services`: refresh a commune (or all), keep the last good snapshot when a source fails.
- `selectors`: what the hub shows (the figures by theme, with comparisons), in a fixed number of queries.
See docs/portrait.md and docs/adr/0006-portrait-snapshots-and-frozen-figures.md.
"""
