#!/bin/sh
# Builds one libFuzzer target with clang (-fsanitize=fuzzer,address,undefined; the project
# itself is built with gcc) and runs it for a bounded time over a copy of its seed corpus
# (tests/fuzz/corpus/, tests/fuzz/corpus_<short name>/ or tests/cx/fuzz-corpus/).
# usage: run_fuzz.sh TARGET SOURCE_ROOT WORK_DIR [SECONDS]
#   TARGET: fuzz_sip_parse | fuzz_cscf_register (tests/fuzz/),
#           fuzz_cx_parse (tests/cx/: Cx parsers against the installed freeDiameter)
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
harness="$src/tests/fuzz/$target.c"
rss_mb=1024
lsan=""
case "$target" in
  fuzz_sip_parse)
    sources="$sip"
    libs=""
    corpus_src="$src/tests/fuzz/corpus"
    ;;
  fuzz_cx_parse)
    harness="$src/tests/cx/fuzz_cx_parse.c"
    cx="$lib/cx"
    sources="$cx/cx_avp.c $cx/cx_common.c $cx/cx_dict.c $cx/cx_error_echo.c $cx/cx_mar.c \
      $cx/cx_uar.c $cx/cx_sar.c $cx/cx_lir.c $cx/diameter.c $cx/diameter_conf.c \
      $cx/diameter_log.c $cx/diameter_tls.c $lib/core/log.c"
    libs="-lfdcore -lfdproto -lcrypto -lpthread"
    corpus_src="$src/tests/cx/fuzz-corpus"
    rss_mb=2048
    lsan="suppressions=$src/tests/cx/lsan.supp"
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
  "$harness" $sources $libs -o "$work/$target"
corpus="$work/corpus"
rm -rf "$corpus"
mkdir -p "$corpus"
cp "$corpus_src"/* "$corpus"/
cd "$work"
if [ -n "$lsan" ]; then
  export LSAN_OPTIONS="$lsan"
fi
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" \
  "./$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb="$rss_mb" \
  -print_final_stats=1 "$corpus"
