#!/bin/sh
# Runs the default test suite (everything but the tests labelled "long").
set -eu
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure -j"$(nproc)" -LE long
