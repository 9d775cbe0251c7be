import sys


def pytest_terminal_summary(terminalreporter):
    """The form fuzzer's figures (tests/security/test_fuzz_forms.py, tallied in tests/harness/fuzz.py), when it ran."""
    module = sys.modules.get("tests.harness.fuzz")
    tally = getattr(module, "TALLY", None)
    if not tally:
        return
    write = terminalreporter.write_line
    terminalreporter.section("form fuzzing")
    # 302: saved (or refused with a message on the next page); pages: pages after a 302 checked for escaping
    write(f"{'form':<44} {'examples':>8} {'302':>6} {'pages':>6} {'failed':>6} {'seconds':>8}")
    for label, row in sorted(tally.items()):
        write(
            f"{label:<44} {row['examples']:>8} {row['redirected']:>6} {row['pages_checked']:>6} {row['failed']:>6} "
            f"{row['seconds']:>8.1f}"
        )
    total = {key: sum(row[key] for row in tally.values()) for key in ("examples", "redirected", "failed", "seconds")}
    write(
        f"{len(tally)} forms fuzzed, {total['examples']} examples ({module.EXAMPLES} per form asked), "
        f"{total['redirected']} redirected (saved, or refused with a message), {total['failed']} forms failed, {total['seconds']:.0f} s"
    )
