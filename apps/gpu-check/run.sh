#!/bin/sh
# zoo GPU check: TF.js's WebGPU backend on Dawn over Vulkan, on this machine's GPU. Needs only a
# Linux x86_64 host with a GPU driver that has a Vulkan ICD (NVIDIA: libGLX_nvidia.so.0 or
# libEGL_nvidia.so.0); Node.js, the Vulkan loader and the code come from payload.tar.gz beside this.
#
#   ./run.sh [--icd FILE|lavapipe] [--quick] [--out DIR] [--flag NAME=VALUE] ...   (--help: all options)
#
# Writes gpu-check.json to --out, else $OUT, else the current directory. Environment:
#   ZOO_GPU_CHECK_WORK          where the payload is unpacked (default: $TMPDIR or /tmp)
#   ZOO_GPU_CHECK_BUNDLED_LIBC  1: run on the bundled glibc even if the host's is new enough
#   ZOO_GPU_CHECK_ROOT          look for Vulkan ICDs and NVIDIA's libraries under this folder instead
#                               of / (and not in ldconfig's cache): for testing this script
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
say() { printf 'run.sh: %s\n' "$*" >&2; }

# Take --icd out of the arguments; pass the rest to the check.
icd_arg=""
count=$#
i=0
while [ "$i" -lt "$count" ]; do
  arg=$1
  shift
  case $arg in
    --icd) icd_arg=${1:-}; shift; i=$((i + 1)) ;;
    --icd=*) icd_arg=${arg#--icd=} ;;
    *) set -- "$@" "$arg" ;;
  esac
  i=$((i + 1))
done

# Unpack once per payload.
sum=$(cksum < "$here/payload.tar.gz" | cut -d' ' -f1)
work=${ZOO_GPU_CHECK_WORK:-${TMPDIR:-/tmp}/zoo-gpu-check-$sum}
if [ ! -f "$work/.unpacked" ]; then
  say "unpacking into $work"
  rm -rf "$work"
  mkdir -p "$work"
  gzip -dc "$here/payload.tar.gz" | tar -xf - -C "$work"
  : > "$work/.unpacked"
fi

ldcache() { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; }
# The x86-64 path ldconfig knows for a soname, if any.
ldpath() { ldcache | awk -v n="$1" '$1 == n && /x86-64/ { print $NF; exit }'; }

root=${ZOO_GPU_CHECK_ROOT:-}
icd_dirs="$root/usr/share/vulkan/icd.d $root/etc/vulkan/icd.d $root/usr/local/share/vulkan/icd.d $root/usr/local/etc/vulkan/icd.d"

find_nvidia_vulkan_lib() {
  for name in libGLX_nvidia.so.0 libEGL_nvidia.so.0; do
    if [ -z "$root" ]; then
      p=$(ldpath "$name")
      if [ -n "$p" ] && [ -e "$p" ]; then echo "$p"; return 0; fi
    fi
    for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
      if [ -e "$root$d/$name" ]; then echo "$root$d/$name"; return 0; fi
    done
  done
  return 1
}

# Which Vulkan driver (ICD) the loader gets: --icd, else NVIDIA's manifest, else one written for
# NVIDIA's library, else the loader's own search (which finds lavapipe where Mesa is installed).
icd_files=""
icd_source=""
if [ "$icd_arg" = lavapipe ]; then
  for d in $icd_dirs; do
    for f in "$d"/lvp_icd*.json; do
      if [ -f "$f" ]; then icd_arg=$f; break 2; fi
    done
  done
  [ "$icd_arg" != lavapipe ] || { say "--icd lavapipe: no lvp_icd*.json in $icd_dirs (apt-get install mesa-vulkan-drivers)"; exit 2; }
fi
if [ -n "$icd_arg" ]; then
  [ -f "$icd_arg" ] || { say "--icd: no such file: $icd_arg"; exit 2; }
  icd_files=$icd_arg
  icd_source="--icd $icd_arg"
else
  for d in $icd_dirs; do
    for f in "$d"/nvidia_icd*.json; do
      if [ -f "$f" ]; then icd_files=$f; icd_source="found $f"; break 2; fi
    done
  done
  if [ -z "$icd_files" ]; then
    if lib=$(find_nvidia_vulkan_lib); then
      icd_files="$work/nvidia_icd.json"
      printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$lib" > "$icd_files"
      icd_source="synthesised for $lib"
    else
      say "no NVIDIA Vulkan driver found (nvidia_icd.json, libGLX_nvidia.so.0, libEGL_nvidia.so.0)."
      say "  In a container the driver's Vulkan part is mounted only with NVIDIA_DRIVER_CAPABILITIES=all (or one including 'graphics')."
      say "  Going on with the Vulkan loader's default search."
      icd_source="loader default search (no NVIDIA ICD found)"
    fi
  fi
fi
if [ -n "$icd_files" ]; then
  export VK_DRIVER_FILES="$icd_files" VK_ICD_FILENAMES="$icd_files"
  say "Vulkan driver: $icd_source"
fi
export ZOO_GPU_CHECK_ICD_SOURCE="$icd_source"
export ZOO_GPU_CHECK_LOADER="$work/lib/libvulkan.so.1"
if command -v nvidia-smi >/dev/null 2>&1; then
  ZOO_GPU_CHECK_NVIDIA_SMI=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 4 | tr '\n' ';' || true)
  export ZOO_GPU_CHECK_NVIDIA_SMI
  say "nvidia-smi: $ZOO_GPU_CHECK_NVIDIA_SMI"
fi

# Dawn's binding needs GLIBCXX_3.4.30 and GLIBC_2.34; older hosts get the bundled ones.
libpath="$work/lib"
stdcxx=$(ldpath libstdc++.so.6)
if [ -z "$stdcxx" ] || ! grep -q GLIBCXX_3.4.30 "$stdcxx" 2>/dev/null; then
  say "host libstdc++ lacks GLIBCXX_3.4.30: using the bundled one"
  libpath="$work/lib/compat:$libpath"
fi
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{ print $2 }')
bundled_libc=${ZOO_GPU_CHECK_BUNDLED_LIBC:-0}
if [ "$bundled_libc" != 1 ] && ! awk -v v="${glibc:-0.0}" 'BEGIN { split(v, a, "."); exit !(a[1] > 2 || (a[1] == 2 && a[2] >= 34)) }'; then
  say "host glibc ${glibc:-unknown} is older than 2.34: using the bundled one"
  bundled_libc=1
fi
export LD_LIBRARY_PATH="$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if [ "$bundled_libc" = 1 ]; then
  libpath="$work/lib/glibc:$work/lib/compat:$libpath"
  export LD_LIBRARY_PATH="$libpath"
  exec "$work/lib/glibc/ld-linux-x86-64.so.2" --library-path "$libpath" "$work/bin/node" "$work/app/check.cjs" "$@"
fi
exec "$work/bin/node" "$work/app/check.cjs" "$@"
