#!/usr/bin/env python3
"""golden_rouge.py - reference ROUGE figures for tests/test_rouge.c, computed once at dev time
with Google's PyPI `rouge-score` (RougeScorer(['rouge1', 'rouge2', 'rougeL'])) fed the same
French-aware tokenisation as src/meeting/rouge.c (lower-case; tokens are runs of letters and
digits, so elisions split: l'école -> l école). Needs: pip install rouge-score (a private venv).

    python3 scripts/golden_rouge.py ../shared/data/fredsum tests/golden/rouge

Writes fredsum.tsv (candidate, reference, ROUGE-1/2/L F1: FREDSum's published model outputs
and an extractive summary against the abstractive references) and tokens.tsv.
"""
import os
import re
import sys

from rouge_score import rouge_scorer

TOKEN = re.compile(r"[^\W_]+")


class FrenchTokenizer:
    def tokenize(self, text):
        return TOKEN.findall(text.lower())


def main():
    root, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    sc = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=FrenchTokenizer())
    rows = []
    for seg in sorted(os.listdir(root)):
        d = os.path.join(root, seg)
        if not os.path.isdir(d):
            continue
        pairs = [("model_outputs/chatgpt.txt", "summaries/abstractive_1.txt"),
                 ("model_outputs/barthez.txt", "summaries/abstractive_3.txt"),
                 ("summaries/extractive_1.txt", "summaries/abstractive_2.txt")]
        for cand, ref in pairs:
            cp, rp = os.path.join(d, cand), os.path.join(d, ref)
            if not (os.path.exists(cp) and os.path.exists(rp)):
                continue
            s = sc.score(open(rp, encoding="utf-8").read(), open(cp, encoding="utf-8").read())
            rows.append("%s/%s\t%s/%s\t%.10f\t%.10f\t%.10f" % (
                seg, cand, seg, ref, s["rouge1"].fmeasure, s["rouge2"].fmeasure,
                s["rougeL"].fmeasure))
    with open(os.path.join(out, "fredsum.tsv"), "w", encoding="utf-8") as f:
        f.write("# candidate\treference\trouge1_f\trouge2_f\trougeL_f (scripts/golden_rouge.py)\n")
        f.write("\n".join(rows) + "\n")
    texts = ["L'école d'aujourd'hui, qu'il dit : « Non ! »",
             "Élisabeth Borne — Premier ministre — a dit qu’on verrait en 2050.",
             "ÇA COÛTE 3 000 € À L'ÉTAT, n'est-ce pas ?",
             "Œuvre, cœur, naïf, Noël ; l’Ukraine... c'est-à-dire"]
    with open(os.path.join(out, "tokens.tsv"), "w", encoding="utf-8") as f:
        for t in texts:
            f.write("%s\t%s\n" % (t, " ".join(FrenchTokenizer().tokenize(t))))
    print("%d pairs" % len(rows))


if __name__ == "__main__":
    main()
