#!/bin/sh
# Instructions per call of each workload of combinator-instr.mjs, for one checkout:
#   sh bench/floor/instr-diff.sh <checkout> <n> all10 race timeout ...
# (I(2n) - I(n)) / n from two callgrind runs each (deterministic up to a few hundred instructions).
dir=$1; n=$2; shift 2
here=$(dirname "$0")
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded \
    "$here/combinator-instr.mjs" "$dir" "$1" "$2" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for w in "$@"; do
  a=$(count "$w" "$n"); b=$(count "$w" $((n * 2)))
  echo "$w $(( (b - a) / n ))"
done
