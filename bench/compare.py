"""
compare.py - llm4all vs llama.cpp, side by side, on this machine (run by bench/compare).

For each model and thread count, alternates an llm4all run (`llm4all bench --json`, one fresh
process) and a llama.cpp run (llama-cpp-python, one fresh process, same file, same threads,
same prompt and generation lengths) REPS times, then prints medians: prompt tokens/s (pp),
generation tokens/s (tg), their ratios llm4all/llama.cpp, peak RSS of each process (from
wait4), and the decode bound: the bytes of weights a generated token reads (`llm4all info`'s
decode_bytes: an untied model's embedding table is read one row per token) streamed per second,
against the read bandwidth that bench/bw.c measures before the first A B pair of the row and
after each (their median: on a shared VM the figure moves with the hour, so each row is
divided by its own). The read loop runs over 4 KiB pages (the issue's reference) and over 2 MiB
pages; the table has the fraction of each.

Weights mapped from a file get 2 MiB pages only where the page cache holds the file in 2 MiB
folios (src/core/file.c). Before a model's first run, its file's pages are dropped from the
page cache, so both engines map what the first run reads in, as after a fresh `llm4all pull`;
each row shows how many MiB of each process were on 2 MiB pages.

--requant q8_0,q4_0 adds, for each model, its requantisation to those types, written once by
llama.cpp's own quantizer (llama_model_quantize, from the same llama-cpp-python) into
$LLM4ALL_HOME/bench/ and then measured like the others.

-d D starts each test with D tokens already in the context (llama-bench's -d): how speed
holds at long context, where attention reads D cached positions per token.

--no-mmap reads the weights into memory in both engines (llm4all `--no-mmap`, llama.cpp
use_mmap=False).
"""
import argparse, json, os, statistics, subprocess, sys, time

HOME = os.environ.get("LLM4ALL_HOME", os.path.expanduser("~/.cache/llm4all"))

LLAMA_CPP_RUN = r'''
import sys, time, json, llama_cpp
path, T, P, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
mmap, D = sys.argv[5] == "mmap", int(sys.argv[6])
llm = llama_cpp.Llama(model_path=path, n_ctx=D + P + N + 8, n_batch=512, n_ubatch=512,
                      n_threads=T, n_threads_batch=T, use_mmap=mmap, verbose=False)
nv = llm.n_vocab()
toks = [(i * 7919 + 13) % nv for i in range(max(P, D + 2))]
def fill():         # the depth: D tokens in the context, untimed
    llm.reset()
    if D: llm.eval(toks[:D])
fill()
t0 = time.perf_counter(); llm.eval(toks[:P]); pp = P / (time.perf_counter() - t0)
fill()
llm.eval(toks[D:D + 1])
tok = toks[D + 1]
t0 = time.perf_counter()
for i in range(N):
    llm.eval([tok]); tok = (tok * 31 + 7) % nv
tg = N / (time.perf_counter() - t0)
huge = 0
for line in open("/proc/self/smaps_rollup"):
    k = line.split()
    if k[0] in ("AnonHugePages:", "FilePmdMapped:", "ShmemPmdMapped:"): huge += int(k[1]) * 1024
print(json.dumps({"pp_tok_s": pp, "tg_tok_s": tg, "huge_page_bytes": huge}))
'''

def run_measured(cmd):
    """Run cmd, return (stdout, peak RSS bytes of that process)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read(); err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"compare: {' '.join(cmd)} failed ({p.returncode}):\n{err.decode()[-2000:]}")
    return out.decode(), ru.ru_maxrss * 1024

def drop_cache(path):
    """Write path's dirty pages, then drop its pages from the page cache (see the top)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)

def model_path(name):
    return name if os.path.exists(name) else os.path.join(HOME, "models", name + ".gguf")

FTYPES = {"q8_0": 7, "q4_0": 2}     # llama.cpp's LLAMA_FTYPE_MOSTLY_*

REQUANT = r'''
import sys, llama_cpp
p = llama_cpp.llama_model_quantize_default_params()
p.ftype = int(sys.argv[3]); p.allow_requantize = True
rc = llama_cpp.llama_model_quantize(sys.argv[1].encode(), sys.argv[2].encode(), p)
sys.exit(1 if rc != 0 else 0)
'''

def requantized(path, stem, typ):
    """The requantisation of path to typ, written once by llama.cpp's quantizer."""
    if typ not in FTYPES:
        sys.exit(f"compare: --requant {typ}: one of {', '.join(FTYPES)}")
    out = os.path.join(HOME, "bench", f"{stem}.{typ}.gguf")
    if not os.path.exists(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        print(f"compare: requantising {stem} to {typ} -> {out}", file=sys.stderr, flush=True)
        tmp = out + ".part"
        subprocess.run([sys.executable, "-c", REQUANT, path, tmp, str(FTYPES[typ])], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.replace(tmp, out)
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="smollm2-135m,gemma3-270m,qwen2.5-1.5b-instruct")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("-p", type=int, default=512)
    ap.add_argument("-n", type=int, default=128)
    ap.add_argument("--requant", default="", help="also requantised copies: q8_0,q4_0")
    ap.add_argument("--no-mmap", action="store_true",
                    help="both engines read the weights into memory instead of mapping them")
    ap.add_argument("-d", "--depth", type=int, default=0,
                    help="tokens already in the context when each test starts")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    def read_bw():      # (4 KiB pages, 2 MiB pages)
        return tuple(float(subprocess.run(["build/bw", "2", "3", "1024", pages],
                                          capture_output=True, text=True,
                                          check=True).stdout.split()[1])
                     for pages in ("4k", "2m"))
    all_bw = []
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    rows = []
    todo = []       # (label, path)
    for name in a.models.split(","):
        path = model_path(name)
        if not os.path.exists(path):
            subprocess.run(["build/llm4all", "pull", name], check=True)
        todo.append((name, path))
        for typ in [t for t in a.requant.split(",") if t]:
            todo.append((f"{name} {typ}", requantized(path, os.path.basename(name), typ)))
    for name, path in todo:
        info = json.loads(subprocess.run(["build/llm4all", "info", "-m", path, "--json"],
                                         capture_output=True, text=True, check=True).stdout)
        # The weights a generated token reads (not the file size: an untied model's embedding
        # table is read one row per token - 131 MB of qwen2.5-1.5b's 1.12 GB file).
        wbytes = info["decode_bytes"]
        drop_cache(path)
        for T in [int(t) for t in a.threads.split(",")]:
            A, B, BW = [], [], [read_bw()]     # before the first pair and after each one
            for r in range(a.reps):
                out, rss = run_measured(["build/llm4all", "bench", "-m", path, "-p", str(a.p),
                                         "-n", str(a.n), "-r", "1", "-t", str(T), "--json"]
                                        + (["--no-mmap"] if a.no_mmap else [])
                                        + (["-d", str(a.depth)] if a.depth else []))
                j = json.loads(out)
                A.append((j["pp_tok_s"], j["tg_tok_s"], rss, j["huge_page_bytes"]))
                out, rss = run_measured([sys.executable, "-c", LLAMA_CPP_RUN, path, str(T),
                                         str(a.p), str(a.n),
                                         "read" if a.no_mmap else "mmap", str(a.depth)])
                j = json.loads(out)
                B.append((j["pp_tok_s"], j["tg_tok_s"], rss, j["huge_page_bytes"]))
                BW.append(read_bw())
            all_bw += BW
            bw_gbs = statistics.median(b[0] for b in BW)
            bw2m_gbs = statistics.median(b[1] for b in BW)
            med = lambda xs, i: statistics.median(x[i] for x in xs)
            row = {"model": name + (" no-mmap" if a.no_mmap else "")
                            + (f" @ d{a.depth}" if a.depth else ""), "threads": T,
                   "commit": commit,
                   "pp_l4a": med(A, 0), "pp_llama": med(B, 0),
                   "tg_l4a": med(A, 1), "tg_llama": med(B, 1),
                   "rss_l4a_mib": med(A, 2) / 2**20, "rss_llama_mib": med(B, 2) / 2**20,
                   "huge_l4a_mib": med(A, 3) / 2**20, "huge_llama_mib": med(B, 3) / 2**20,
                   "weights_gb": wbytes / 1e9, "read_bw_gb_s": bw_gbs,
                   "read_bw_2m_gb_s": bw2m_gbs}
            row["pp_ratio"] = row["pp_l4a"] / row["pp_llama"]
            row["tg_ratio"] = row["tg_l4a"] / row["tg_llama"]
            row["tg_bw_frac_l4a"] = row["tg_l4a"] * wbytes / 1e9 / bw_gbs
            row["tg_bw_frac_llama"] = row["tg_llama"] * wbytes / 1e9 / bw_gbs
            row["tg_bw2m_frac_l4a"] = row["tg_l4a"] * wbytes / 1e9 / bw2m_gbs
            row["tg_bw2m_frac_llama"] = row["tg_llama"] * wbytes / 1e9 / bw2m_gbs
            rows.append(row)
            print(f"{name} t={T}: pp {row['pp_l4a']:.1f} vs {row['pp_llama']:.1f} "
                  f"({row['pp_ratio']:.2f}x)  tg {row['tg_l4a']:.2f} vs {row['tg_llama']:.2f} "
                  f"({row['tg_ratio']:.2f}x)  rss {row['rss_l4a_mib']:.0f} vs "
                  f"{row['rss_llama_mib']:.0f} MiB  bw-frac {row['tg_bw_frac_l4a']:.2f} vs "
                  f"{row['tg_bw_frac_llama']:.2f} (2 MiB loop {row['tg_bw2m_frac_l4a']:.2f} vs "
                  f"{row['tg_bw2m_frac_llama']:.2f})  2 MiB pages {row['huge_l4a_mib']:.0f} vs "
                  f"{row['huge_llama_mib']:.0f} MiB", file=sys.stderr, flush=True)
    if a.json:
        print(json.dumps(rows, indent=1))
        return
    bw4, bw2 = [b[0] for b in all_bw], [b[1] for b in all_bw]
    print(f"\ncommit {commit}, cpu {os.cpu_count()} vCPU, read bandwidth (bench/bw.c, 2 "
          f"threads, before a row and after each A B pair): 4 KiB pages median "
          f"{statistics.median(bw4):.1f} GB/s ({min(bw4):.1f} to {max(bw4):.1f}), 2 MiB pages "
          f"{statistics.median(bw2):.1f} ({min(bw2):.1f} to {max(bw2):.1f}); medians of "
          f"{a.reps} alternating runs, pp{a.p} / tg{a.n}\n")
    print("| model | t | pp llm4all | pp llama.cpp | ratio | tg llm4all | tg llama.cpp | ratio "
          "| RSS llm4all MiB | RSS llama.cpp MiB | 2 MiB pages llm4all MiB | llama.cpp "
          "| read GB/s 4 KiB | tg bytes/s / read llm4all | llama.cpp | read GB/s 2 MiB "
          "| tg bytes/s / read llm4all | llama.cpp |")
    print("|---" * 18 + "|")
    for r in rows:
        print(f"| {r['model']} | {r['threads']} | {r['pp_l4a']:.1f} | {r['pp_llama']:.1f} | "
              f"{r['pp_ratio']:.2f} | {r['tg_l4a']:.2f} | {r['tg_llama']:.2f} | "
              f"{r['tg_ratio']:.2f} | {r['rss_l4a_mib']:.0f} | {r['rss_llama_mib']:.0f} | "
              f"{r['huge_l4a_mib']:.0f} | {r['huge_llama_mib']:.0f} | "
              f"{r['read_bw_gb_s']:.1f} | {r['tg_bw_frac_l4a']:.2f} | "
              f"{r['tg_bw_frac_llama']:.2f} | {r['read_bw_2m_gb_s']:.1f} | "
              f"{r['tg_bw2m_frac_l4a']:.2f} | {r['tg_bw2m_frac_llama']:.2f} |")

if __name__ == "__main__":
    main()
