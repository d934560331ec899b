"""Benchmarks: the nightly step (`mutasi bench`, benchmarks/nightly.py), the engine against
other methods (bench_rebalance.py) and notices at scale (bench_notices.py). Tooling, not part of
the product's layers: nothing in bot, handlers, core or db imports it except the `bench`
command."""
