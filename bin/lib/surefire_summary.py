#!/usr/bin/env python3
"""Reads the Surefire XML reports of every module and prints what failed and one closing line,
"tests: N passed, N failed, N skipped". Exit 1 when a test failed or errored, or when no report
exists (a run that executed no test is not a pass); 0 otherwise.

    surefire_summary.py ROOT

bin/run-tests runs Maven with -Dmaven.test.failure.ignore=true so that every module's tests run
even when an earlier module has failures (--fail-at-end alone still skips the modules that depend
on a failed one); this script then decides.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    # surefire-reports, and surefire-reports-PASS where bin/run-tests kept an earlier pass's reports
    reports = sorted(glob.glob(os.path.join(root, "*", "target", "surefire-reports*", "TEST-*.xml")))
    passed = failed = skipped = 0
    per_module = {}
    failures = []
    for path in reports:
        parts = os.path.relpath(path, root).split(os.sep)
        module = parts[0] + parts[2][len("surefire-reports"):].replace("-", " ", 1).rstrip()
        suite = ET.parse(path).getroot()
        for case in suite.iter("testcase"):
            name = "%s.%s" % (case.get("classname", "?").rsplit(".", 1)[-1], case.get("name", "?"))
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            counts = per_module.setdefault(module, [0, 0, 0])
            if problem is not None:
                failed += 1
                counts[1] += 1
                first = (problem.get("message") or problem.get("type") or "").strip().splitlines()
                failures.append("FAILED %s/%s: %s" % (module, name, first[0][:200] if first else ""))
            elif case.find("skipped") is not None:
                skipped += 1
                counts[2] += 1
            else:
                passed += 1
                counts[0] += 1
    for module in sorted(per_module):
        p, f, s = per_module[module]
        print("  %-22s %5d passed, %d failed, %d skipped" % (module, p, f, s))
    for line in failures:
        print(line)
    print("tests: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed or not reports else 0


if __name__ == "__main__":
    sys.exit(main())
