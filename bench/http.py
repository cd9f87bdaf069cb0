"""HTTP benchmark: the site's pages under gunicorn against the same stack answering a constant page.

    python bench/http.py                  # 100,000 listings on SQLite; --help for the options

The benchmark itself is bench/http_bench.py. This file has the standard library's name: a script in bench/
runs with this folder first on its import path, so `import http` finds this file first, and it hands over
to the standard library's package.
"""

import sys

if __name__ == "http":
    import importlib.machinery
    import importlib.util
    import os

    _here = os.path.dirname(os.path.abspath(__file__))
    _spec = importlib.machinery.PathFinder.find_spec(
        "http", [entry for entry in sys.path if os.path.abspath(entry or ".") != _here])
    if _spec is None or _spec.loader is None:
        raise ImportError("the standard library's http package is missing")
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["http"] = _module
    _spec.loader.exec_module(_module)
elif __name__ == "__main__":
    from http_bench import main

    sys.exit(main())
