"""Speed and load measurements, printed as tables beside their goals (`make bench`, `make load-test`); not tests.

A package so that `python -m bench.load_test`, run from the checkout's root, imports the tests' clients (tests/support)
without touching sys.path; the other scripts need only the installed project: `python bench/train_speed.py`.
"""
