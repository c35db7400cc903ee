#!/bin/bash
# run.sh SECONDS BUILD_DIR TARGET... - run each libFuzzer target for SECONDS, one after another.
#
# Each target starts from its seeds (BUILD_DIR/seeds/TARGET, made from the unit tests' data)
# and the corpus earlier runs grew, in $FUZZ_DIR/corpus/TARGET (default ~/.cache/memsim/fuzz,
# never the repository); what a run adds goes there.  A crash, leak, timeout or failed check
# is saved as $FUZZ_DIR/findings/TARGET-* and fails the run, after every target had its turn.
#
# libFuzzer replays its whole starting corpus before the clock starts counting, so with
# FUZZ_SAMPLE=N (make fuzz-short) a run starts from the seeds and N inputs of the corpus
# drawn at random, and its time stays what was asked.  Without it (make fuzz) the whole
# corpus is replayed, and minimised afterwards (-merge=1: only inputs that add coverage stay).
set -u
seconds=$1 build=$2
shift 2
dir=${FUZZ_DIR:-$HOME/.cache/memsim/fuzz}
sample=${FUZZ_SAMPLE:-0}
failed=()
start=$(date +%s)
tmp=$(mktemp -d /tmp/memsim-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for t in "$@"; do
	bin=$build/fuzz_$t corpus=$dir/corpus/$t log=$dir/$t.log
	mkdir -p "$corpus" "$dir/findings"
	if [ "$sample" -gt 0 ]; then
		# new inputs land in the first directory: a fresh one, moved into the corpus after
		mkdir -p "$tmp/$t/new" "$tmp/$t/drawn"
		find "$corpus" -type f | shuf -n "$sample" | xargs -r cp -t "$tmp/$t/drawn"
		dirs=("$tmp/$t/new" "$build/seeds/$t" "$tmp/$t/drawn")
	else
		dirs=("$corpus" "$build/seeds/$t")
	fi
	echo "fuzz $t: ${seconds} s, corpus $corpus ($(find "$corpus" -type f | wc -l) inputs)"
	# -timeout: an input that takes 10 s is a hang; -rss_limit_mb: memory is bounded.
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$dir/findings/$t-" "${dirs[@]}" >"$log" 2>&1
	then
		grep -E '^stat::(number_of_executed_units|new_units_added)' "$log" | sed "s/^/  /"
	else
		echo "fuzz $t: FAILED, see $log and $dir/findings/$t-*" >&2
		grep -E -A12 '^==[0-9]+==ERROR|fuzz check failed|runtime error|Test unit written' \
			"$log" | head -40 >&2
		failed+=("$t")
	fi
	if [ "$sample" -gt 0 ]; then
		find "$tmp/$t/new" -type f | xargs -r mv -n -t "$corpus"
	elif [ ${#failed[@]} -eq 0 ] || [ "${failed[-1]}" != "$t" ]; then
		mkdir -p "$tmp/$t/merged"
		if "$bin" -merge=1 -timeout=10 -rss_limit_mb=2048 "$tmp/$t/merged" "$corpus" \
			>"$dir/$t.merge.log" 2>&1; then
			rm -rf "$corpus.old" && mv "$corpus" "$corpus.old" &&
				mv "$tmp/$t/merged" "$corpus" && rm -rf "$corpus.old"
			echo "  corpus minimised to $(find "$corpus" -type f | wc -l) inputs"
		fi
	fi
done
echo "fuzz: $# targets in $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: findings in: ${failed[*]}" >&2
	exit 1
fi
