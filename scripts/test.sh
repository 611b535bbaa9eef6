#!/bin/sh
# Runs the default test suite: everything but the tests labelled "long" (slow guest runs)
# and "wip" (corpus ROMs listed in corpus/x86/KNOWN_FAILING).
set -eu
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure -j"$(nproc)" -LE 'long|wip'
