#!/bin/bash
# run.sh SECONDS BUILD_DIR TARGET... - run each libFuzzer target for SECONDS, one after another.
#
# Each target starts from its seeds (BUILD_DIR/seeds/TARGET, made from the unit tests' data)
# and the corpus earlier runs grew, in $FUZZ_DIR/corpus/TARGET (default ~/.cache/memsim/fuzz,
# never the repository); new inputs go there.  A crash, leak, timeout or failed check is saved
# as $FUZZ_DIR/findings/TARGET-* and fails the run, after every target has had its turn.
set -u
seconds=$1 build=$2
shift 2
dir=${FUZZ_DIR:-$HOME/.cache/memsim/fuzz}
failed=()
start=$(date +%s)
for t in "$@"; do
	corpus=$dir/corpus/$t
	mkdir -p "$corpus" "$dir/findings"
	log=$dir/$t.log
	echo "fuzz $t: ${seconds} s, corpus $corpus"
	# -timeout: an input that takes 10 s is a hang; -rss_limit_mb: the engine is bounded.
	if "$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$dir/findings/$t-" \
		"$corpus" "$build/seeds/$t" >"$log" 2>&1; then
		grep -E '^(stat::number_of_executed_units|stat::new_units_added)' "$log" |
			sed "s/^/  /"
	else
		echo "fuzz $t: FAILED, see $log and $dir/findings/$t-*" >&2
		grep -E -A12 '^==[0-9]+==ERROR|fuzz check failed|runtime error|Test unit written' \
			"$log" | head -40 >&2
		failed+=("$t")
	fi
done
echo "fuzz: ${#@} targets in $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: findings in: ${failed[*]}" >&2
	exit 1
fi
