"""Machinery shared by several test modules: the URL walk, the permission matrix's scenario, the form parser and
fuzzer catalogue, the browser helpers, common assertions.

Test modules import from here (and from tests/factories*.py), never from another `test_*.py` or a conftest
(tests/test_layout.py checks it). Nothing here is collected as a test.
"""
