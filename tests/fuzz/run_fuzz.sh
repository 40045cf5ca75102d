#!/bin/sh
# Builds one libFuzzer target of tests/fuzz with clang (-fsanitize=fuzzer,address,undefined;
# the project itself is built with gcc) and runs it for a bounded time over a copy of its seed
# corpus (tests/fuzz/corpus/ or tests/fuzz/corpus_<short name>/).
# usage: run_fuzz.sh TARGET SOURCE_ROOT WORK_DIR [SECONDS]
#   TARGET: fuzz_sip_parse | fuzz_cscf_register
# Exit 77 (skip) without clang or libFuzzer (Debian package libclang-rt-14-dev).
set -eu
target="$1"
src="$2"
work="$3"
seconds="${4:-20}"
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
sip="$lib/sip/sip_parse.c $lib/sip/sip_slice.c $lib/sip/sip_uri.c $lib/sip/sip_auth.c $lib/sip/sip_msg.c"
case "$target" in
  fuzz_sip_parse)
    sources="$sip"
    libs=""
    corpus_src="$src/tests/fuzz/corpus"
    ;;
  fuzz_cscf_register)
    cscf="$src/pcscf-icscf-scscf"
    sources="$sip $cscf/route.c $cscf/reg_store.c $cscf/txn_cache.c $cscf/registrar.c \
      $lib/aka/digest.c $lib/core/log.c $lib/core/codec.c"
    libs="-I$cscf -lcrypto -lpthread"
    corpus_src="$src/tests/fuzz/corpus_cscf"
    ;;
  *)
    echo "unknown fuzz target '$target'" >&2
    exit 2
    ;;
esac
# shellcheck disable=SC2086
"$CLANG" -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$lib" \
  "$src/tests/fuzz/$target.c" $sources $libs -o "$work/$target"
corpus="$work/corpus"
rm -rf "$corpus"
mkdir -p "$corpus"
cp "$corpus_src"/* "$corpus"/
cd "$work"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" \
  "./$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
  -print_final_stats=1 "$corpus"
