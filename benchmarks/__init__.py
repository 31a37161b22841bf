"""Speed benchmarks, one module per area, each with ``main(quick: bool)``; run all with
``python -m benchmarks`` (``make bench``)."""
