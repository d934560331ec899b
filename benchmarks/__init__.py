"""Speed and memory measurements (never timed assertions in the tests): the nightly step
(`mutasi bench`, benchmarks/nightly.py, which is why this package is installed with the
program), the engine against other methods (bench_rebalance.py, solvers.py), the plain
reference LP (reference_lp.py) and notices at scale (bench_notices.py, development only: it
drives the test emulator)."""
