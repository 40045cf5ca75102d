#!/bin/sh
# Builds tests/cx/fuzz_cx_parse.c with clang's libFuzzer plus ASan/UBSan (the project itself is
# built with gcc) against the installed freeDiameter, and runs it for a bounded time over a copy
# of the seed corpus. usage: run_fuzz_cx.sh SOURCE_ROOT WORK_DIR [SECONDS].
# Exit 77 (skip) without clang/libFuzzer.
set -eu
src="$1"
work="$2"
seconds="${3:-20}"
CLANG="${CLANG:-clang}"
command -v "$CLANG" >/dev/null 2>&1 || { echo "skip: clang not found"; exit 77; }
mkdir -p "$work"
probe="$work/probe.c"
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' >"$probe"
if ! "$CLANG" -fsanitize=fuzzer "$probe" -o "$work/probe" >/dev/null 2>&1; then
  echo "skip: $CLANG has no libFuzzer (Debian package libclang-rt-14-dev)"
  exit 77
fi
lib="$src/lib"
"$CLANG" -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$lib" \
  "$src/tests/cx/fuzz_cx_parse.c" \
  "$lib/cx/cx_avp.c" "$lib/cx/cx_common.c" "$lib/cx/cx_dict.c" "$lib/cx/cx_error_echo.c" "$lib/cx/cx_mar.c" \
  "$lib/cx/cx_uar.c" "$lib/cx/cx_sar.c" "$lib/cx/cx_lir.c" "$lib/cx/diameter.c" \
  "$lib/cx/diameter_conf.c" "$lib/cx/diameter_log.c" "$lib/cx/diameter_tls.c" \
  "$lib/core/log.c" \
  -lfdcore -lfdproto -lcrypto -lpthread \
  -o "$work/fuzz_cx_parse"
corpus="$work/corpus"
rm -rf "$corpus"
mkdir -p "$corpus"
cp "$src"/tests/cx/fuzz-corpus/* "$corpus"/
cd "$work"
LSAN_OPTIONS="suppressions=$src/tests/cx/lsan.supp" ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" \
  ./fuzz_cx_parse -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$corpus"
