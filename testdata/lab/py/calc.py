#!/usr/bin/env python3
"""Evaluates one arithmetic or formatting expression for the shell scripts (bash has integers
only), e.g. calc.py "f'{100 * 4.7 / 8.5:.0f} %'" prints "55 %".

    calc.py EXPR
"""
import statistics
import sys

if __name__ == "__main__":
    print(eval(sys.argv[1], {"__builtins__": {"min": min, "max": max, "round": round, "float": float, "abs": abs, "median": statistics.median, "sorted": sorted}}))
